"""Rule table, last section: first mile and pre-shipment, delivered (after every row
whose text can contain "delivered"), then generic movement, which only applies when
nothing more specific matched.
"""

from __future__ import annotations

from parceldesk.domain.classifier_rules.base import ANY, FACILITY, WHO, Rule, rule
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status

__all__ = ["MOVEMENT_RULES"]

_S, _N, _R = Status, Node, ExceptionReason

MOVEMENT_RULES: tuple[Rule, ...] = (
    # --- First mile and pre-shipment. ------------------------------------------------
    rule(
        "first_mile_pickup",
        r"\bpicked up\b|\bpick ?-?up (?:scan|completed?|successful(?:ly)?)\b",
        r"\bdrop(?:ped)?[- ]?off\b",
        r"\baccept(?:ed|ance)\b|\bposting\b|\bposted\b|\bcollected from\b",
        r"\breceived by (?:the )?(?:carrier|courier)\b",
        r"\breceived from (?:the )?(?:sender|shipper|seller|merchant)\b",
        "(?<!待)揽收|揽件|已收件|收件成功|收寄|已取件|已交寄",
        r"\bpostad[oa]\b|coletad[oa]|coleta realizada|recolectad[oa]|\badmitid[oa]\b",
        r"di ?pick ?up|dipickup|dijemput|penjemputan berhasil|diambil oleh kurir|diterima oleh "
        r"kurir"
        r"|diserahkan (?:ke|kepada) (?:pihak )?(?:kurir|jasa kirim)",
        "เข้ารับพัสดุ|รับพัสดุเข้าระบบ|รับพัสดุจากผู้ส่ง",
        r"lấy hàng thành công|đã lấy hàng|nhận hàng từ người gửi|giao (?:hàng )?cho bưu cục",
        status=_S.IN_TRANSIT,
        node=_N.FIRST_MILE_PICKUP,
    ),
    rule(
        "label_created",
        r"\blabel (?:created|printed|generated)\b|\bcreated (?:a |the )?(?:shipping )?label\b"
        r"|\bshipping label\b|\bpre-?shipment\b",
        r"\b(?:electronic )?(?:shipping |shipment |parcel |package )?(?:information|info|data"
        r"|notification) (?:received|sent|transmitted|submitted)\b|\binstruction data\b",
        r"\border (?:created|processed|placed|received|confirmed)\b|\bawaiting item\b"
        r"|\bmanifest(?:ed)?\b|\bbilling information\b",
        "已下单|订单(?:已)?创建|订单信息|电子(?:信息|数据)|预报|卖家(?:已)?发货|商家(?:已)?发货|面单",
        r"(?:etiqueta|pedido) (?:criad[oa]|gerad[oa]|emitid[oa]|cread[oa]|generad[oa])",
        r"aguardando postagem|información (?:de envío )?recibida",
        r"(?:pesanan|resi|label) (?:telah )?dibuat",
        "สร้างรายการ|สร้างเลขพัสดุ|ได้รับข้อมูลพัสดุ",
        r"(?:đơn hàng|vận đơn) (?:đã được )?tạo|đã tạo đơn|tạo vận đơn",
        status=_S.INFO_RECEIVED,
        node=_N.LABEL_CREATED,
    ),
    rule(
        "delivery_scheduled",
        r"\b(?:will|to) be delivered\b|\bdelivery (?:is )?scheduled\b",
        r"\bscheduled (?:for )?delivery\b",
        r"\b(?:expected|estimated|scheduled|new|updated) delivery\b|\brescheduled\b|\bon[- ]time\b",
        "预计(?:送达|派送|妥投|到达)",
        r"previsão de entrega|entrega (?:programada|estimada)",
        r"perkiraan (?:tiba|pengiriman)|คาดว่าจะ|dự kiến giao",
        status=_S.IN_TRANSIT,
    ),
    # --- Delivered, after every rule whose text can contain "delivered". ----------------
    rule(
        "delivered_to_facility",
        rf"\bdelivered to (?:the )?(?:\w+ )?(?:{FACILITY})\b",
        status=_S.IN_TRANSIT,
        node=_N.LAST_MILE_FACILITY,
        origin_node=_N.ORIGIN_FACILITY,
        direction=ANY,
    ),
    rule(
        "delivered_to_third_party",
        r"\bdelivered,? (?:to )?(?:an? |the )?(?:agent|neighbou?r|front desk|reception|mail ?room"
        r"|concierge|doorman|building manager|security|leasing office)",
        r"\bleft with (?:an? |the )?(?:neighbou?r|agent|reception|front desk|concierge)\b",
        "他人代收|邻居代收|前台代收|门卫代收|物业代收",
        status=_S.DELIVERED,
        node=_N.DELIVERED,
    ),
    rule(
        "delivered",
        r"\bdelivered\b|\bdelivery (?:completed?|successful|confirmed)\b",
        r"\bsuccessful(?:ly)? delivery\b",
        r"\bsigned (?:for )?by\b|\bsigned for\b|\bproof of delivery\b|\bfinal delivery\b",
        rf"\breceived by (?:the )?{WHO}\b|\breceived by ?:",
        "(?<![未待拒])签收(?!失败)|妥投|已送达|送达|投递成功|派送成功|已投递",
        r"\bentregue\b|entrega (?:realizada|efetuada|concluída)|\bentregad[oa]\b|entrega exitosa",
        r"diterima oleh|telah diterima(?! di)|\bterkirim\b|berhasil (?:dikirim|diantar)",
        "นำส่งสำเร็จ|จัดส่งสำเร็จ|ส่งสำเร็จ|เซ็นรับ|ลงชื่อรับ|ได้รับพัสดุ(?:เรียบร้อย)?แล้ว",
        r"giao (?:hàng )?thành công|đã giao hàng|đã được giao|người nhận đã nhận",
        status=_S.DELIVERED,
        node=_N.DELIVERED,
    ),
    # --- Generic movement: only when nothing more specific matched. ---------------------
    rule(
        "in_transit_to",
        r"\bin transit to\b|\ben route to\b",
        r"\bon (?:its|the) way to\b|\bheading to\b|\bforwarded to\b",
        status=_S.IN_TRANSIT,
    ),
    rule(
        "facility_scan",
        rf"\b(?:{FACILITY}|dc)\b",
        r"\b(?:arriv(?:ed|al|e|ing)|depart(?:ed|ure|ing|s)?|left|leaving|processed|sort(?:ed|ing)|inbound"
        r"|outbound|scan(?:ned)?)\b",
        "到达|离开|发往|已发出|发出|转运中心|分拣|处理中心|集散|中转|仓库|入库|出库|入仓|出仓|装车|发车",
        r"\bunidade\b|centro de distribuição|\bchegou\b|\bsaiu d[aeo]\b",
        r"centro de distribución|\bllegó\b|\bsalió de\b|\bsucursal\b|\bbodega\b|\balmacén\b",
        r"tiba di|sampai di|berangkat dari|keluar dari|dikirim dari|diterima di|\bgudang\b",
        "ถึงศูนย์|ออกจากศูนย์|ศูนย์คัดแยก|ถึงสาขา|ออกจากสาขา|คลังสินค้า",
        r"\bkho\b|bưu cục|trung tâm (?:khai thác|phân loại|trung chuyển)|rời khỏi",
        status=_S.IN_TRANSIT,
        node=_N.LAST_MILE_FACILITY,
        origin_node=_N.ORIGIN_FACILITY,
        direction=ANY,
    ),
    rule(
        "in_transit",
        r"\bin[- ]transit\b|\btransit\b|\ben route\b|\bon (?:the|its) way\b|\bmoving through\b"
        r"|\bforwarded\b|\bprocessing\b|\bshipped\b|\bdispatched\b",
        "运输中|在途|转运中|运送中|途中|已发货",
        r"em trânsito|em transferência|a caminho|encaminhad[oa]|en tr[aá]nsito|en camino",
        r"dalam perjalanan|sedang transit|dalam proses pengiriman|sedang dikirim|dalam pengiriman",
        "ระหว่างขนส่ง|ระหว่างการขนส่ง|กำลังขนส่ง",
        r"đang vận chuyển|đang trung chuyển|đang luân chuyển|đang được vận chuyển",
        status=_S.IN_TRANSIT,
    ),
)
