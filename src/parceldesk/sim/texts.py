"""How each carrier words each kind of scan, and how providers classify it.

The simulator reasons in *kinds* of event (``pickup``, ``customs_released``...). A kind is
rendered twice: as text in the voice of the carrier holding the parcel (Chinese on the
Chinese first-mile leg, English later, Portuguese at Correios), and as the provider's
classification -- 17TRACK status/sub-status/milestone stage, AfterShip tag/subtag.
Normalisers must work from both, so both are realistic, and the text deliberately does not
announce the simulator's own notion of node.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from parceldesk.domain.taxonomy import Node

__all__ = ["KINDS", "Kind", "describe", "raw_code"]


@dataclass(frozen=True, slots=True)
class Kind:
    """Provider classification of one kind of event."""

    status: str  # 17TRACK main status
    sub_status: str  # 17TRACK sub-status
    stage: str | None  # 17TRACK milestone key_stage reached by this event
    tag: str  # AfterShip tag
    subtag: str  # AfterShip subtag
    subtag_message: str
    node: Node | None  # the canonical node a scan of this kind happened at
    real: bool = True  # a physical scan (False: electronic notices, lost notices)
    advisory: bool = False  # pre-advice that must not move the headline status


# fmt: off
_IT = "InTransit"
KINDS: dict[str, Kind] = {
    "label": Kind("InfoReceived", "InfoReceived", "InfoReceived", "InfoReceived",
                  "InfoReceived_001", "Info Received", Node.LABEL_CREATED, real=False),
    "lm_label": Kind("InfoReceived", "InfoReceived", None, "InfoReceived", "InfoReceived_001",
                     "Info Received", Node.LAST_MILE_HANDOVER, real=False, advisory=True),
    "pickup": Kind(_IT, "InTransit_PickedUp", "PickedUp", _IT, "InTransit_002",
                   "Acceptance scan", Node.FIRST_MILE_PICKUP),
    "arrive_origin": Kind(_IT, "InTransit_Arrival", None, _IT, "InTransit_003", "Arrival scan",
                          Node.ORIGIN_FACILITY),
    "depart_origin": Kind(_IT, "InTransit_Departure", None, _IT, "InTransit_007",
                          "Departure scan", Node.ORIGIN_FACILITY),
    "export_customs": Kind(_IT, "InTransit_Other", None, _IT, "InTransit_001", "In Transit",
                           Node.EXPORT_CUSTOMS),
    "flight_departed": Kind(_IT, "InTransit_Departure", "Departure", _IT, "InTransit_007",
                            "Departure scan", Node.LINEHAUL_DEPARTED),
    "dest_arrival": Kind(_IT, "InTransit_Arrival", "Arrival", _IT, "InTransit_004",
                         "Arrived at destination country", Node.DESTINATION_ARRIVAL),
    "import_customs": Kind(_IT, "InTransit_CustomsProcessing", None, _IT, "InTransit_006",
                           "Customs clearance started", Node.IMPORT_CUSTOMS),
    "customs_released": Kind(_IT, "InTransit_CustomsReleased", None, _IT, "InTransit_005",
                             "Customs clearance completed", Node.CUSTOMS_RELEASED),
    "handover": Kind(_IT, "InTransit_Other", None, _IT, "InTransit_001", "In Transit",
                     Node.LAST_MILE_HANDOVER),
    "lm_accept": Kind(_IT, "InTransit_Arrival", None, _IT, "InTransit_002", "Acceptance scan",
                      Node.LAST_MILE_FACILITY),
    "lm_arrive": Kind(_IT, "InTransit_Arrival", None, _IT, "InTransit_003", "Arrival scan",
                      Node.LAST_MILE_FACILITY),
    "lm_depart": Kind(_IT, "InTransit_Departure", None, _IT, "InTransit_007", "Departure scan",
                      Node.LAST_MILE_FACILITY),
    "lm_last": Kind(_IT, "InTransit_Arrival", None, _IT, "InTransit_003", "Arrival scan",
                    Node.LAST_MILE_FACILITY),
    "ofd": Kind("OutForDelivery", "OutForDelivery_Other", "OutForDelivery", "OutForDelivery",
                "OutForDelivery_001", "Out for Delivery", Node.OUT_FOR_DELIVERY),
    "delivered": Kind("Delivered", "Delivered_Other", "Delivered", "Delivered", "Delivered_001",
                      "Delivered", Node.DELIVERED),
    "attempt_fail": Kind("DeliveryFailure", "DeliveryFailure_NoBody", None, "AttemptFail",
                         "AttemptFail_002", "Addressee not available", Node.OUT_FOR_DELIVERY),
    "ready_pickup": Kind("AvailableForPickup", "AvailableForPickup_Other", "AvailableForPickup",
                         "AvailableForPickup", "AvailableForPickup_001", "Available for pickup",
                         Node.PICKUP_POINT),
    "picked_up": Kind("Delivered", "Delivered_Other", "Delivered", "Delivered", "Delivered_002",
                      "Picked up by the customer", Node.DELIVERED),
    "customs_hold": Kind("Exception", "Exception_Delayed", None, "Exception", "Exception_004",
                         "Delayed (Customs clearance)", Node.IMPORT_CUSTOMS),
    "damaged": Kind("Exception", "Exception_Damage", None, "Exception", "Exception_012",
                    "Shipment damage", None),
    "lost_notice": Kind("Exception", "Exception_Lost", None, "Exception", "Exception_013",
                        "Shipment lost", None, real=False),
    "address_issue": Kind("DeliveryFailure", "DeliveryFailure_InvalidAddress", None,
                          "Exception", "Exception_007", "Incorrect address",
                          Node.OUT_FOR_DELIVERY),
    "refused": Kind("DeliveryFailure", "DeliveryFailure_Rejected", None, "Exception",
                    "Exception_003", "Customer refused delivery", Node.OUT_FOR_DELIVERY),
    "returning": Kind("Exception", "Exception_Returning", "Returning", "Exception",
                      "Exception_010", "Returning to sender", None),
    "return_transit": Kind("Exception", "Exception_Returning", None, "Exception",
                           "Exception_010", "Returning to sender", None),
    "returned": Kind("Exception", "Exception_Returned", "Returned", "Exception", "Exception_011",
                     "Returned to sender", Node.RETURNED),
}
# fmt: on

# Generic English wording; carrier families override what they word differently.
_GENERIC: dict[str, tuple[str, ...]] = {
    "label": ("Shipment information received",),
    "pickup": ("Picked up by carrier in {city}", "Parcel collected from shipper"),
    "arrive_origin": ("Arrived at {fac}", "Arrived at sorting center {city}"),
    "depart_origin": ("Departed from {fac}, bound for {next}", "Departed sorting center"),
    "export_customs": ("Export customs clearance completed", "Export declaration completed"),
    "flight_departed": ("Flight departed from {city}", "Departed from origin airport"),
    "dest_arrival": ("Arrived at destination airport {city}", "Arrived in destination country"),
    "import_customs": ("Import customs clearance started", "Customs clearance in progress"),
    "customs_released": ("Customs clearance completed", "Released by customs"),
    "handover": (
        "Handed over to last mile carrier {lm}, tracking number {lmno}",
        "Delivered to last mile carrier {lm}, last mile tracking number: {lmno}",
    ),
    "lm_accept": ("Arrived at {fac}",),
    "lm_arrive": ("Arrived at {fac}",),
    "lm_depart": ("Departed {fac}",),
    "lm_last": ("Arrived at delivery station",),
    "ofd": ("Out for delivery",),
    "delivered": ("Delivered",),
    "attempt_fail": ("Delivery attempted - recipient not available",),
    "ready_pickup": ("Available for pickup",),
    "picked_up": ("Picked up by recipient",),
    "customs_hold": ("Held by customs", "Customs inspection - held for further review"),
    "damaged": ("Parcel damaged in transit", "Package damaged - contents being checked"),
    "lost_notice": ("Parcel confirmed lost, please contact customer service",),
    "address_issue": ("Delivery failed - incorrect address",),
    "refused": ("Delivery failed - recipient refused the parcel",),
    "returning": ("Return to sender in progress",),
    "return_transit": ("In transit back to sender",),
    "returned": ("Returned to sender",),
}

_FAMILY: dict[str, dict[str, tuple[str, ...]]] = {
    "forwarder": {},
    "chinapost": {
        "label": ("Electronic information received",),
        "pickup": ("Posting/Collection",),
        "arrive_origin": ("Arrival at Sorting Center",),
        "depart_origin": ("Departure from Sorting Center",),
        "export_customs": ("Handed over to customs / Export customs cleared",),
        "flight_departed": ("Dispatch from outward office of exchange",),
    },
    "usps": {
        "label": ("Shipping Label Created, USPS Awaiting Item",),
        "lm_label": ("Shipping Label Created, USPS Awaiting Item",),
        "pickup": ("USPS in possession of item",),
        "arrive_origin": ("Arrived at USPS Regional Origin Facility",),
        "depart_origin": ("Departed USPS Regional Facility",),
        "dest_arrival": ("Processed Through Facility",),
        "import_customs": ("Inbound Into Customs",),
        "customs_released": ("Inbound Out of Customs",),
        "customs_hold": ("Held in Customs",),
        "handover": ("Processed Through USPS Facility",),
        "lm_accept": ("Accepted at USPS Destination Facility",),
        "lm_arrive": ("Arrived at USPS Regional Facility",),
        "lm_depart": ("Departed USPS Regional Facility", "In Transit to Next Facility"),
        "lm_last": ("Arrived at Post Office",),
        "ofd": ("Out for Delivery",),
        "delivered": (
            "Delivered, In/At Mailbox",
            "Delivered, Front Door/Porch",
            "Delivered, Parcel Locker",
        ),
        "attempt_fail": ("Notice Left (No Authorized Recipient Available)",),
        "ready_pickup": ("Available for Pickup",),
        "picked_up": ("Delivered, Individual Picked Up at Post Office",),
        "address_issue": ("Addressee Unknown", "Insufficient Address"),
        "refused": ("Refused",),
        "damaged": ("Item Damaged in Transit",),
        "lost_notice": ("Missing Mail Search: Item Could Not Be Located",),
        "returning": ("Return to Sender Processed",),
        "return_transit": ("In Transit to Next Facility",),
        "returned": ("Delivered, To Original Sender",),
    },
    "ups": {
        "label": ("Shipper created a label, UPS has not received the package yet.",),
        "lm_label": ("Shipper created a label, UPS has not received the package yet.",),
        "pickup": ("Pickup Scan",),
        "arrive_origin": ("Origin Scan",),
        "depart_origin": ("Departed from Facility",),
        "lm_accept": ("Arrived at Facility",),
        "lm_arrive": ("Arrived at Facility",),
        "lm_depart": ("Departed from Facility",),
        "lm_last": ("Destination Scan",),
        "ofd": ("Out For Delivery Today",),
        "delivered": ("DELIVERED", "Delivered"),
        "attempt_fail": (
            "The receiver was not available for delivery. We'll make a second "
            "attempt the next business day.",
        ),
        "address_issue": ("The address is incomplete or incorrect. This may delay delivery.",),
        "refused": ("The receiver refused the delivery.",),
        "damaged": ("The package was damaged. We're working to resolve this.",),
        "lost_notice": ("We're unable to locate the package. A claim can be filed.",),
        "returning": ("Returning package to sender.",),
        "return_transit": ("Departed from Facility",),
        "returned": ("Returned to Sender",),
    },
    "fedex": {
        "label": ("Shipment information sent to FedEx",),
        "lm_label": ("Shipment information sent to FedEx",),
        "pickup": ("Picked up",),
        "arrive_origin": ("Arrived at FedEx location",),
        "depart_origin": ("Departed FedEx location",),
        "lm_accept": ("Arrived at FedEx location",),
        "lm_arrive": ("Arrived at FedEx location",),
        "lm_depart": ("Departed FedEx location", "In transit"),
        "lm_last": ("At local FedEx facility",),
        "ofd": ("On FedEx vehicle for delivery",),
        "delivered": ("Delivered",),
        "attempt_fail": ("Customer not available or business closed",),
        "address_issue": ("Incorrect address",),
        "refused": ("Delivery refused",),
        "damaged": ("Package damaged",),
        "lost_notice": ("Shipment exception - package could not be located",),
        "returning": ("Returning package to shipper",),
        "return_transit": ("In transit",),
        "returned": ("Delivered to shipper",),
    },
    "sls": {
        "label": ("Seller is preparing to ship your parcel",),
        "pickup": ("Parcel has been picked up by SLS",),
        "arrive_origin": ("Parcel has arrived at SLS sorting centre",),
        "depart_origin": ("Parcel has departed from SLS sorting centre",),
        "flight_departed": ("Flight has departed",),
        "dest_arrival": ("Parcel has arrived in destination country",),
        "import_customs": ("Import customs clearance in progress",),
        "customs_released": ("Import customs clearance completed",),
        "customs_hold": ("Parcel is held by customs",),
        "handover": ("Parcel has been handed over to the last-mile delivery partner",),
    },
    "spx": {
        "lm_accept": ("Parcel has arrived at SPX sorting hub",),
        "lm_arrive": ("Parcel has arrived at {fac}",),
        "lm_depart": ("Parcel has departed from sorting hub",),
        "lm_last": ("Parcel has arrived at delivery hub",),
        "ofd": ("Parcel is out for delivery",),
        "delivered": ("Parcel has been delivered",),
        "attempt_fail": ("Delivery unsuccessful: recipient not available",),
        "address_issue": ("Delivery unsuccessful: address incorrect",),
        "refused": ("Delivery unsuccessful: recipient rejected the parcel",),
        "returning": ("Parcel is being returned to seller",),
        "returned": ("Parcel has been returned to seller",),
    },
    "jt": {
        "lm_accept": ("Your parcel has arrived at the sorting center: {fac}",),
        "lm_arrive": ("Your parcel has arrived at {fac}",),
        "lm_depart": ("Your parcel has departed {fac}",),
        "lm_last": ("Your parcel has arrived at the delivery hub: {fac}",),
        "ofd": ("Your parcel is out for delivery, courier is on the way",),
        "delivered": ("Your parcel has been delivered. Signed by: Recipient",),
        "attempt_fail": ("Delivery failed: consignee unreachable",),
        "address_issue": ("Delivery failed: incorrect address",),
        "refused": ("Delivery failed: consignee refused to accept the parcel",),
        "returning": ("Your parcel is being returned to sender",),
        "returned": ("Your parcel has been returned to sender",),
    },
    "correios": {
        "lm_label": ("Objeto postado",),
        "pickup": ("Objeto postado",),
        "flight_departed": ("Objeto em trânsito - por favor aguarde",),
        "dest_arrival": ("Objeto recebido pelos Correios do Brasil",),
        "import_customs": ("Encaminhado para fiscalização aduaneira",),
        "customs_released": ("Fiscalização aduaneira finalizada",),
        "customs_hold": ("Aguardando pagamento",),
        "handover": ("Objeto em trânsito - por favor aguarde",),
        "lm_accept": ("Objeto recebido na unidade de tratamento",),
        "lm_arrive": ("Objeto em transferência - por favor aguarde",),
        "lm_depart": ("Objeto em transferência - por favor aguarde",),
        "lm_last": ("Objeto recebido na unidade de distribuição",),
        "ofd": ("Objeto saiu para entrega ao destinatário",),
        "delivered": ("Objeto entregue ao destinatário",),
        "attempt_fail": ("Carteiro não atendido - entrega não realizada",),
        "address_issue": ("Objeto não entregue - endereço incorreto",),
        "refused": ("Objeto não entregue - destinatário recusou o objeto",),
        "damaged": ("Objeto avariado",),
        "lost_notice": ("Objeto extraviado",),
        "returning": ("Objeto será devolvido ao remetente",),
        "return_transit": ("Objeto em devolução ao remetente",),
        "returned": ("Objeto devolvido ao remetente",),
    },
}

# Chinese wording of the China-side events (forwarder, postal and SLS feeds).
_ZH: dict[str, dict[str, tuple[str, ...]]] = {
    "forwarder": {
        "label": ("电子信息已收到", "已下单，等待揽收"),
        "pickup": ("【{zcity}】已揽收",),
        "arrive_origin": ("已到达【{zfac}】",),
        "depart_origin": ("离开【{zfac}】，发往【{znext}】",),
        "export_customs": ("出口报关完成",),
        "flight_departed": ("航班已起飞",),
        "customs_released": ("清关完成",),
        "returning": ("退件处理中",),
    },
    "chinapost": {
        "label": ("收寄信息已录入",),
        "pickup": ("【{zcity}】已收寄",),
        "arrive_origin": ("到达【{zfac}】",),
        "depart_origin": ("离开【{zfac}】，发往【{znext}】",),
        "export_customs": ("出口海关放行",),
        "flight_departed": ("已交航空公司运输", "航班已起飞"),
    },
    "sls": {
        "label": ("卖家正在准备发货",),
        "pickup": ("【{zcity}】SLS已揽收",),
        "arrive_origin": ("包裹已到达【{zfac}】",),
        "depart_origin": ("包裹已离开【{zfac}】，发往【{znext}】",),
        "export_customs": ("出口清关完成",),
        "flight_departed": ("航班已起飞",),
        "customs_released": ("清关完成",),
    },
}

# fmt: off
_RAW: dict[str, dict[str, str]] = {
    "usps": {"label": "GX", "lm_label": "GX", "pickup": "03", "arrive_origin": "10",
             "depart_origin": "T1", "lm_arrive": "A1", "lm_depart": "T1", "lm_last": "07",
             "ofd": "OF", "delivered": "01"},
    "fedex": {"label": "OC", "lm_label": "OC", "pickup": "PU", "arrive_origin": "AR",
              "depart_origin": "DP", "lm_accept": "AR", "lm_arrive": "AR", "lm_depart": "DP",
              "lm_last": "AR", "ofd": "OD", "delivered": "DL", "attempt_fail": "DE",
              "address_issue": "DE", "refused": "DE", "damaged": "SE", "returning": "RS"},
    "ups": {"label": "M", "lm_label": "M", "pickup": "P", "arrive_origin": "I",
            "depart_origin": "I", "lm_accept": "I", "lm_arrive": "I", "lm_depart": "I",
            "lm_last": "I", "ofd": "I", "delivered": "D", "attempt_fail": "X",
            "address_issue": "X", "refused": "X", "damaged": "X"},
}
# fmt: on


def describe(rng: random.Random, family: str, kind: str, zh: bool, fields: dict[str, str]) -> str:
    """The event text ``family``'s feed shows for ``kind`` (Chinese when ``zh`` and known)."""
    options: tuple[str, ...] | None = None
    if zh:
        options = _ZH.get(family, {}).get(kind)
    if options is None:
        options = _FAMILY.get(family, {}).get(kind) or _GENERIC[kind]
    text = options[0] if len(options) == 1 else options[rng.randrange(len(options))]
    return text.format_map(fields) if "{" in text else text


def raw_code(family: str, kind: str) -> str | None:
    """The carrier's own event code (AfterShip ``raw_tag``) where we know it."""
    return _RAW.get(family, {}).get(kind)
