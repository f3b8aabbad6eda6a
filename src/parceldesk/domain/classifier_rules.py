"""The ordered rule table behind :func:`parceldesk.domain.classifier.classify`.

Why a table: carrier wording is open-ended, so the mapping must be easy to read, to
extend and to test rule by rule (every rule is exercised by the test corpus). Why an
*ordered* table: scan texts overlap ("Delivery attempted" contains "deliver", "Out for
delivery" is not "delivered", "Customs clearance completed" mentions customs but is not a
hold). The first rule that matches wins, so rules run from the most specific or most
important for claims (lost, damaged, returned, held) down to generic movement scans.

Patterns run over the *normalised* text (NFKC, casefolded, 【】 folded to [], whitespace
collapsed; see ``classifier._normalise``), so they are written in lower case. Latin
alternatives use ``\\b``; Thai and CJK alternatives do not, because those scripts do not
put spaces between words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

from parceldesk.domain.taxonomy import ExceptionReason, Node, Status

__all__ = ["RULES", "Direction", "Rule"]


class Direction(Enum):
    """Where to look for "this scan happened in China" when a rule has an origin node.

    Customs wording is the same on both sides of the border, and Chinese carriers use
    Chinese for destination customs too, so customs rules trust the location only.
    Facility scans name their city in the text ("Departed Facility in SHENZHEN",
    "已到达【深圳转运中心】"), so facility rules may also read the description.
    """

    NONE = "none"
    LOCATION = "location"
    LOCATION_OR_TEXT = "location_or_text"


@dataclass(frozen=True, slots=True)
class Rule:
    """One row: if ``pattern`` matches, the scan is (status, node, reason).

    ``origin_node`` replaces ``node`` when the scan happened in China (see
    :class:`Direction`): an "Arrived at Sort Facility" in Shenzhen is the origin
    facility, the same text in Los Angeles is the last-mile facility.
    """

    name: str
    pattern: re.Pattern[str]
    status: Status
    node: Node | None = None
    reason: ExceptionReason | None = None
    origin_node: Node | None = None
    direction: Direction = Direction.NONE


def _rule(
    name: str,
    *alternatives: str,
    status: Status,
    node: Node | None = None,
    reason: ExceptionReason | None = None,
    origin_node: Node | None = None,
    direction: Direction = Direction.NONE,
) -> Rule:
    """Compile one row; alternatives are grouped by language for readability."""
    pattern = "|".join(f"(?:{alt})" for alt in alternatives)
    # NFKC so that a pattern typed with decomposed accents still matches normalised text.
    compiled = re.compile(unicodedata.normalize("NFKC", pattern))
    return Rule(name, compiled, status, node, reason, origin_node, direction)


_S, _N, _R = Status, Node, ExceptionReason
_LOC, _ANY = Direction.LOCATION, Direction.LOCATION_OR_TEXT
_WHO = r"(?:recipient|receiver|consignee|customer|addressee|buyer)"
_BACK_TO = r"(?:the )?(?:original )?(?:sender|shipper|seller|merchant|consignor|origin)"
_FACILITY = (
    r"facility|facilities|hub|warehouse|depot|gateway|terminal|sort(?:ing|ation)? ?cent(?:er|re)"
    r"|distribution cent(?:er|re)|processing cent(?:er|re)|transit cent(?:er|re)|station|branch"
)

RULES: tuple[Rule, ...] = (
    # --- Claim-relevant exceptions first: they win over any movement wording. ---------
    _rule(
        "lost",
        r"\blost\b|\bstolen\b|\b(?:package|parcel|shipment|item) (?:is |was |has been )?missing\b",
        "丢失|遗失|丢件|丢包",
        r"extraviad[oa]|\bperdid[oa]\b|\broubad[oa]\b|\brobad[oa]\b",
        r"\bhilang\b",
        "สูญหาย|พัสดุหาย",
        "thất lạc|bị mất|mất hàng",
        status=_S.EXCEPTION,
        reason=_R.LOST,
    ),
    _rule(
        "damaged",
        r"\bdamaged?\b|\bdamages\b|\bbroken\b|\bcrushed\b",
        "破损|损坏|损毁",
        r"avariad[oa]|danificad[oa]|dañad[oa]|\bdaño\b",
        r"\brusak\b",
        "เสียหาย|ชำรุด",
        "hư hỏng|bị hỏng|hư hại|bể vỡ|móp méo",
        status=_S.EXCEPTION,
        reason=_R.DAMAGED,
    ),
    _rule(
        "returned_to_sender_completed",
        rf"\bdelivered (?:back )?to {_BACK_TO}\b",
        rf"\b(?:has been|was) (?:successfully )?returned to {_BACK_TO}\b",
        r"\breturn(?:ed)? (?:shipment )?(?:has been |was )?(?:delivered|completed)\b",
        r"\bsuccessfully returned\b",
        "(?:退件|退回|退运|退还).{0,8}(?:签收|妥投|成功)|已退回(?:给|至)?(?:发件人|寄件人|卖家|商家)",
        r"entregue ao remetente|entregado al remitente",
        r"(?:dikembalikan|retur).{0,12}(?:berhasil|selesai)|berhasil dikembalikan",
        "(?:ส่งคืน|ตีกลับ).{0,12}สำเร็จ",
        r"hoàn (?:hàng )?thành công|đã hoàn hàng",
        status=_S.RETURNED,
        node=_N.RETURNED,
        reason=_R.RETURNED_TO_SENDER,
    ),
    _rule(
        "returning_to_sender",
        rf"\breturn(?:ed|ing)? to {_BACK_TO}\b",
        r"\breturning\b|\brts\b|\breturn (?:in progress|initiated|processed|requested)\b",
        "退回|退件|退运|退还|原件返回|返回(?:发件人|寄件人)",
        r"devolvid[oa]|devolução|devuelt[oa]|devolución|\bretorno al remitente\b",
        r"dikembalikan|\bretur\b|diretur|pengembalian",
        "ตีกลับ|ส่งคืน|คืนผู้ส่ง",
        r"hoàn hàng|chuyển hoàn|hoàn trả|hoàn về|trả lại người gửi|đang hoàn",
        status=_S.RETURNING,
        reason=_R.RETURNED_TO_SENDER,
    ),
    _rule(
        "customs_hold_lifted",
        r"\b(?:released|cleared) from (?:customs )?(?:hold|detention)\b",
        r"\b(?:customs )?hold (?:released|lifted|cleared)\b",
        "解除扣留|扣留解除",
        status=_S.IN_TRANSIT,
        node=_N.CUSTOMS_RELEASED,
        origin_node=_N.EXPORT_CUSTOMS,
        direction=_LOC,
    ),
    _rule(
        "problem_resolved",
        r"\b(?:problem|issue|exception|delay) (?:has been |was )?(?:resolved|cleared|lifted)\b",
        r"\bresolved\b",
        "问题已解决|异常(?:已)?解除",
        status=_S.IN_TRANSIT,
    ),
    _rule(
        "export_customs_hold",
        r"\bexport\b.{0,40}\b(?:hold|held|detained|seized|delay(?:ed)?|exception|abnormal)\b",
        r"\b(?:held|detained|seized) (?:by|in|at) (?:the )?export customs\b",
        "出口.{0,6}(?:扣|异常|查验异常)|报关(?:异常|失败)",
        status=_S.EXCEPTION,
        node=_N.EXPORT_CUSTOMS,
        reason=_R.CUSTOMS_HOLD,
    ),
    _rule(
        "customs_hold",
        r"\b(?:customs|clearance)\b.{0,40}\b(?:hold|held|detained|detention|seized|delay(?:ed|s)?"
        r"|exception|abnormal|problem|issue|suspended|required|requires|requested)\b",
        r"\b(?:held|hold|detained|seized|delay(?:ed)?|stopped|retained)\b.{0,30}\b(?:customs|clearance)\b",
        r"\b(?:awaiting|pending) (?:payment|duties|duty|tax(?:es)?)\b",
        r"\bpayment of (?:duties|taxes|customs)\b",
        r"\b(?:duties|duty|taxes|tax) (?:due|unpaid|owed|outstanding|payable)\b",
        r"\bheld for payment\b",
        r"\bimport c\.?o\.?d\.? charges\b|\bconfiscated\b",
        "海关(?:扣|查扣|没收)|扣关|清关(?:异常|延误|延迟|失败|受阻|暂停)|(?:缴纳|补缴|待缴|支付)(?:关税|税费|税金)|待缴税",
        r"aguardando pagamento|retid[oa] (?:na|pela) (?:fiscalização|alfândega|aduana)",
        r"retenid[oa] (?:en|por) (?:la )?aduana",
        r"ditahan (?:oleh |di )?bea cukai|bea cukai.{0,20}(?:ditahan|tertahan)",
        "ศุลกากร.{0,10}(?:กัก|ยึด)",
        r"(?:bị )?(?:tạm )?giữ (?:lại )?(?:tại|bởi) hải quan",
        status=_S.EXCEPTION,
        node=_N.IMPORT_CUSTOMS,
        reason=_R.CUSTOMS_HOLD,
        origin_node=_N.EXPORT_CUSTOMS,
        direction=_LOC,
    ),
    _rule(
        "destroyed",
        r"\b(?:destroyed|disposed|abandoned)\b",
        "销毁|弃件",
        status=_S.EXCEPTION,
        reason=_R.OTHER,
    ),
    _rule(
        "address_issue",
        r"\bundeliverable as addressed\b",
        r"\b(?:insufficient|incomplete|incorrect|invalid|wrong|bad|unknown|illegible|inadequate) "
        r"(?:delivery )?address\b",
        r"\baddress (?:is |was )?(?:incorrect|incomplete|invalid|wrong|insufficient|unknown|"
        r"not found"
        r"|issue|problem|error)\b",
        r"\bno such (?:number|street|address)\b|\baddressee unknown\b"
        r"|\bmoved,? left no (?:forwarding )?address\b|\b(?:receiver|recipient|customer|consignee"
        r"|addressee) (?:has )?moved\b",
        r"\b(?:street|house|apartment|unit|suite) number (?:is )?(?:incorrect|missing|wrong)\b",
        "地址(?:错误|有误|不详|不全|不完整|不正确|不存在|不明)|查无此人|收件人(?:已)?搬(?:迁|走)",
        r"endereço (?:incorreto|insuficiente|incompleto|inexistente)",
        r"destinatário (?:mudou-se|desconhecido)",
        r"dirección (?:incorrecta|incompleta|errónea|inexistente)|destinatario desconocido",
        r"alamat (?:tidak (?:lengkap|ditemukan|jelas|valid|sesuai)|salah|kurang lengkap)",
        "ที่อยู่(?:ไม่ถูกต้อง|ผิด|ไม่ครบ|ไม่ชัดเจน)",
        r"sai địa chỉ|địa chỉ (?:không (?:chính xác|đúng|tồn tại|rõ ràng)|sai)",
        status=_S.EXCEPTION,
        reason=_R.ADDRESS_ISSUE,
    ),
    _rule(
        "rejected_by_carrier",
        r"\b(?:rejected|refused) by (?:the )?(?:carrier|airline|courier)\b|\bnon-?compliance\b",
        r"\bprohibited (?:item|goods|content|article)s?\b",
        "违禁品|航空公司拒收",
        status=_S.EXCEPTION,
        reason=_R.OTHER,
    ),
    _rule(
        "refused",
        rf"\brefus(?:ed|al|es)?\b|\b(?:rejected|declined) by (?:the )?{_WHO}\b",
        rf"\b{_WHO} (?:rejected|declined)\b",
        "拒收|拒签|拒绝签收|拒绝接收",
        r"recusad[oa]|recusou|rechazad[oa]|rechazó",
        r"\bditolak\b|\bmenolak\b",
        "ปฏิเสธ",
        "từ chối",
        status=_S.EXCEPTION,
        reason=_R.REFUSED,
    ),
    _rule(
        "failed_attempt_recipient_unavailable",
        r"\bno ?one (?:home|available|at home|present)\b",
        r"\bnobody (?:home|available)\b|\bnot (?:at )?home\b",
        rf"\b{_WHO}(?: was| is)? (?:not available|unavailable|absent|not present|not reachable"
        r"|unreachable|not contactable)\b",
        r"\bno authori[sz]ed recipient\b|\bnotice left\b|\bbusiness (?:was )?closed\b"
        rf"|\bclosed on arrival\b|\bno access\b|\bunable to (?:contact|reach) (?:the )?{_WHO}\b",
        "收件人不在|客户不在|无人(?:在家|签收|接听|收件)|电话(?:无人接听|不通|关机)|联系不上|无法联系",
        r"carteiro não atendido|destinatário ausente|\bausente\b|nadie en casa",
        r"penerima tidak (?:ada|di ?tempat|dapat dihubungi|bisa dihubungi)",
        r"tidak ada orang|rumah kosong",
        "ไม่มีผู้รับ|ติดต่อผู้รับไม่ได้|ติดต่อไม่ได้|ผู้รับไม่อยู่",
        r"không liên lạc được|không nghe máy|vắng nhà|người nhận vắng|không có người nhận",
        status=_S.FAILED_ATTEMPT,
        reason=_R.RECIPIENT_UNAVAILABLE,
    ),
    _rule(
        "failed_attempt",
        r"\bdelivery (?:attempt(?:ed)?|exception|failed|failure|(?:is |was )?unsuccessful"
        r"|not (?:completed|possible|successful))\b",
        r"\battempted\b|\bundelivered\b|\bundeliverable\b|\bfailed (?:delivery|to deliver|"
        r"attempt)\b"
        r"|\bunable to deliver\b|\b(?:could|can) ?not be delivered\b|\bcouldn't be delivered\b"
        r"|\bnot delivered\b|\bmissed delivery\b|\bre-?delivery\b",
        "派送失败|投递失败|派件失败|未妥投|派送不成功|投递不成功|签收失败|未签收|无法派送|无法投递",
        r"não entregue|tentativa de entrega|entrega (?:não (?:efetuada|realizada)|sem sucesso)",
        r"intento de entrega|no entregad[oa]|entrega fallida|no se pudo entregar",
        r"gagal (?:dikirim|diantar|antar|kirim|pengiriman)|pengiriman gagal|tidak terkirim"
        r"|tidak berhasil (?:dikirim|diantar)",
        "นำส่งไม่สำเร็จ|จัดส่งไม่สำเร็จ|ส่งไม่สำเร็จ",
        r"giao (?:hàng )?(?:không thành công|thất bại)|giao không được",
        status=_S.FAILED_ATTEMPT,
    ),
    _rule(
        "delayed",
        r"\bdelay(?:ed|s)?\b|\barriving late\b",
        r"\brunning late\b|\blater than (?:expected|planned)\b",
        r"\bweather\b|\bemergency conditions\b|\bmissed (?:connection|flight|sort|transfer)\b",
        "延误|延迟|晚到",
        r"atrasad[oa]|\batraso\b|retrasad[oa]|\bretraso\b",
        r"\bterlambat\b|\btertunda\b",
        "ล่าช้า",
        r"chậm trễ|bị chậm|giao trễ|trễ hẹn",
        status=_S.EXCEPTION,
        reason=_R.DELAYED,
    ),
    _rule(
        "cancelled",
        r"\bcancel(?:l)?ed\b|\bcancellation\b|\bvoided\b",
        "已取消|订单取消|取消订单",
        r"cancelad[oa]|\bdibatalkan\b",
        "ยกเลิก",
        r"đã hủy|hủy đơn",
        status=_S.EXCEPTION,
        reason=_R.OTHER,
    ),
    _rule(
        "exception",
        r"\bexception\b|\bon hold\b|\babnormal\b|\bunder investigation\b"
        r"|\b(?:trace|investigation|search) (?:initiated|requested|opened)\b",
        "异常|问题件|滞留|暂扣",
        r"\bbermasalah\b",
        "มีปัญหา",
        r"có vấn đề|sự cố",
        status=_S.EXCEPTION,
        reason=_R.OTHER,
    ),
    # --- Out for delivery must precede every DELIVERED rule. ---------------------------
    _rule(
        "out_for_delivery",
        r"out\s?for\s?deliver",
        r"\bout with courier\b|\bwith delivery courier\b|\bbeing delivered\b|\bdelivering\b",
        r"\bon (?:fedex |ups |dhl |the |a )?(?:vehicle|van|truck) for delivery\b",
        r"\bloaded (?:on|onto) (?:the )?delivery (?:vehicle|van|truck)\b",
        r"\bdelivery (?:is )?(?:in progress|en route)\b|\ben route for delivery\b",
        "派送中|正在派送|派件中|正在.{0,4}派件|正在投递|投递中|安排投递|开始派送|安排派送",
        r"saiu para entrega|em rota de entrega",
        r"en reparto|sali[oó] (?:a|para) reparto|en ruta (?:de|para) entrega",
        r"sedang diantar|sedang dalam pengantaran|dalam pengantaran|dibawa (?:oleh )?kurir"
        r"|kurir sedang (?:mengantar|mengirim)|(?:akan )?dikirim(?:kan)? ke (?:alamat )?penerima",
        "กำลังนำส่ง|อยู่ระหว่างการนำส่ง|อยู่ระหว่างนำส่ง|ออกนำส่ง",
        r"đang giao|đang được giao|đang đi giao",
        status=_S.OUT_FOR_DELIVERY,
        node=_N.OUT_FOR_DELIVERY,
    ),
    _rule(
        "picked_up_by_recipient",
        rf"\bpicked up by (?:the )?{_WHO}\b|\b{_WHO} picked up\b|\bcollected by (?:the )?{_WHO}\b",
        r"\bpicked up (?:at|from) (?:the |a )?(?:post office|postal facility|access point|pick "
        r"?-?up point"
        r"|collection point|counter|locker|parcel shop|store|branch)\b",
        r"\bdelivered\b.{0,40}\bpicked up\b",
        "(?:客户|本人|收件人)(?:已)?取件|已从.{0,6}取出",
        r"retirado pelo destinatário|recogido por el destinatario",
        r"diambil oleh penerima|sudah diambil penerima",
        status=_S.DELIVERED,
        node=_N.DELIVERED,
    ),
    _rule(
        "ready_for_pickup",
        r"\b(?:available|ready) for (?:pick ?-?up|collection)\b",
        r"\bawaiting (?:collection|(?:customer|recipient|consignee) (?:pick ?-?up|collection))\b",
        r"\bheld at (?:the )?(?:post office|postal facility|access point|counter|branch)\b",
        r"\bhold at (?:fedex )?location\b",
        r"\bdelivered to (?:the )?(?:ups |dpd )?(?:access point|pick ?-?up point|collection point"
        r"|service point|parcel ?shop|pudo)",
        r"\b(?:arrived|available) at (?:the )?(?:pick ?-?up|collection|service|distribution|"
        r"pudo) point\b",
        "待取件|待自提|自提点|自提柜|快递柜|驿站|代收点|请.{0,10}取件",
        r"aguardando retirada|disponível para retirada",
        r"disponible para (?:retirar|recoger|recolección)|listo para (?:retirar|recoger)",
        r"siap diambil|menunggu diambil|dapat diambil",
        "รอรับที่|พร้อมให้รับ|รอผู้รับมารับ",
        r"chờ (?:khách )?(?:nhận|lấy) tại|sẵn sàng để nhận",
        status=_S.READY_FOR_PICKUP,
        node=_N.PICKUP_POINT,
    ),
    _rule(
        "awaiting_carrier_pickup",
        r"\b(?:pending|awaiting|waiting for)(?: courier| carrier| driver| rider)? pick ?-?up\b"
        rf"(?! by (?:the )?{_WHO})",
        r"\bpick ?-?up (?:scheduled|requested|arranged|booked)\b",
        r"\b(?:acceptance pending|pending acceptance)\b",
        r"\b(?:seller|shipper|sender) is preparing\b",
        r"\bpreparing (?:to ship|your (?:order|parcel|package))\b",
        "待揽收|等待揽收|等待快递员取件|待取货",
        r"aguardando coleta|coleta (?:agendada|solicitada)|pedido em preparação",
        r"esperando recolección|recolección programada|preparando (?:el )?pedido",
        r"menunggu (?:penjemputan|pick ?up|diambil kurir)|pengirim (?:sedang menyiapkan|telah "
        r"mengatur)"
        r"|sedang dikemas",
        "รอ(?:พนักงาน)?เข้ารับ|ผู้ส่งกำลังเตรียมพัสดุ|กำลังเตรียมพัสดุ",
        r"chờ lấy hàng|người gửi đang chuẩn bị hàng|đang chuẩn bị hàng",
        status=_S.INFO_RECEIVED,
        node=_N.LABEL_CREATED,
    ),
    # --- Handover, linehaul and customs: the cross-border chain. ----------------------
    _rule(
        "last_mile_handover",
        r"\b(?:hand(?:ed|ing)?|handover|delivered|tendered|transferred|passed|dispatched|released)"
        r"(?: over)? to (?:the )?(?:local|last[- ]?mile|final[- ]?mile|domestic|destination|"
        r"delivery"
        r"|partner) ",
        r"\b(?:received|accepted) by (?:the )?(?:local|last[- ]?mile|destination|domestic) ",
        r"\bdelivered to agent for final delivery\b|\btendered to (?:the )?(?:delivery service "
        r"provider"
        r"|authori[sz]ed agent|usps|postal service|post office)\b",
        r"\bhand(?:ed)? over to (?:the )?(?:\w+ )?(?:courier|carrier|agent|partner) for "
        r"(?:final )?delivery\b",
        r"\bshipping partner facility\b",
        r"\b(?:arrived|received) (?:at|by) (?:the )?shipping partner\b",
        r"\baccepted at usps (?:origin |destination )?facility\b|\busps in possession of item\b",
        "(?:交付|移交|交接|转交|交给|交由|交予)(?:给)?(?:尾程|末端|当地|本地|目的国|派送商|承运商|服务商)"
        "|尾程.{0,6}(?:收货|揽收|接收)",
        r"(?:entregue|repassad[oa]|transferid[oa]) (?:à|para a) transportadora (?:local|"
        r"parceira|de entrega)",
        r"(?:entregado|transferido) a (?:la )?(?:transportista|paquetería) (?:local|de última "
        r"milla)",
        r"diserahkan (?:ke|kepada) (?:kurir|mitra|ekspedisi) (?:lokal|last mile)",
        "ส่งต่อให้(?:บริษัท)?ขนส่ง(?:ปลายทาง|ในประเทศ)",
        r"(?:bàn giao|chuyển giao|giao) cho (?:đơn vị|hãng|bên) vận chuyển (?:nội địa|chặng cuối)",
        status=_S.IN_TRANSIT,
        node=_N.LAST_MILE_HANDOVER,
        origin_node=_N.FIRST_MILE_PICKUP,
        direction=_LOC,
    ),
    _rule(
        "linehaul_departed",
        r"\b(?:flight|aircraft|plane|vessel|linehaul|line-haul) (?:has )?(?:departed|took off|"
        r"left)\b",
        r"\b(?:departed|departure|leaving|left|depart) (?:from )?(?:the )?(?:airport of origin"
        r"|origin(?:al)? (?:airport|country|port)|departure (?:airport|country)|country of origin"
        r"|port of (?:origin|loading)|exporting country|airport)\b",
        r"\b(?:hand(?:ed)?|handover|delivered|tendered|transferred|dispatched)(?: over)? to "
        r"(?:the )?"
        r"(?:airline|air carrier|carrier airline|flight|shipping line|vessel)\b",
        r"\b(?:loaded|uploaded) (?:on|onto|to) (?:the )?(?:flight|aircraft|plane|vessel)\b",
        r"\bairline (?:transit|received|acceptance)\b|\blinehaul (?:office|hub)\b",
        r"\bdeparture from outward office of exchange\b",
        "航班(?:已)?起飞|起飞|交航|交付航空|交(?:给|予)?航空公司|离港|离开始发国|离开中国|离境|装船",
        r"(?:saiu|partiu) do país de origem|sali[oó] del país de origen",
        status=_S.IN_TRANSIT,
        node=_N.LINEHAUL_DEPARTED,
    ),
    _rule(
        "origin_post",
        r"\borigin post\b|\b(?:at|in) (?:the )?origin country\b",
        status=_S.IN_TRANSIT,
        node=_N.ORIGIN_FACILITY,
    ),
    _rule(
        "last_mile_facility",
        r"\bdestination (?:sort(?:ing)? |delivery |distribution |processing |local "
        r")?(?:facility|hub"
        r"|cent(?:er|re)|branch|station|depot|post office|office|terminal|dc)\b",
        r"\b(?:local|delivery) (?:fedex |ups |dhl |usps )?(?:facility|hub|depot|station|post office"
        r"|cent(?:er|re)|unit|office|base)\b",
        r"\busps\b.{0,30}\b(?:facility|facilities|hub|cent(?:er|re))\b|\bpost office\b",
        r"\bregional (?:origin |destination )?(?:facility|distribution cent(?:er|re))\b",
        r"\blast[- ]?mile (?:facility|hub|station|depot|cent(?:er|re))\b",
        r"\b(?:destination|delivery) scan\b",
        "目的(?:地|国)?.{0,6}(?:分拣|转运|处理|派送|配送)(?:中心|站|网点)|(?:派送|配送|投递)(?:站|网点|部)",
        r"unidade de distribuição|(?:hub|estação|base) de entrega",
        r"oficina de entrega|sucursal de destino|estación de entrega",
        r"(?:hub|gudang|kantor|gerai|dc) (?:kota )?tujuan",
        "สาขาปลายทาง|ศูนย์(?:กระจายสินค้า)?ปลายทาง|คลังปลายทาง",
        r"bưu cục (?:giao|phát|đích)|kho (?:đích|giao hàng|phát)|trạm (?:giao|phát)",
        status=_S.IN_TRANSIT,
        node=_N.LAST_MILE_FACILITY,
        origin_node=_N.ORIGIN_FACILITY,
        direction=_LOC,
    ),
    _rule(
        "destination_arrival",
        r"\barriv\w* (?:at|in|into|to) (?:the )?destination\b",
        r"\b(?:flight|aircraft|vessel) (?:has )?(?:arrived|landed)\b|\blanded\b|\bimport scan\b",
        r"\barrival at inward office of exchange\b",
        r"\barrived in (?:the )?(?:us|usa|united states)\b",
        "航班(?:已)?(?:到达|落地|抵达)|落地|(?:到达|抵达)(?:目的|寄达)(?:国|地)"
        "|(?:到达|抵达)(?:美国|巴西|泰国|菲律宾|马来西亚|新加坡|越南|印尼|墨西哥)",
        r"recebido pelos correios do brasil|chegou ao brasil|chegada ao país de destino",
        r"lleg[oó] al país de destino|llegada al país de destino",
        r"(?:tiba|sampai) di negara tujuan",
        "ถึงประเทศปลายทาง",
        r"đến (?:nước|quốc gia) (?:đích|nhận)",
        status=_S.IN_TRANSIT,
        node=_N.DESTINATION_ARRIVAL,
    ),
    _rule(
        "export_customs",
        r"\bexport\w*\b|\boutward office of exchange\b",
        "出口|(?<!进口)报关",
        r"exportação|exportación|\bekspor\b|ส่งออก|xuất khẩu",
        status=_S.IN_TRANSIT,
        node=_N.EXPORT_CUSTOMS,
    ),
    _rule(
        "customs_pending",
        r"\b(?:customs|clearance)\b.{0,30}\bnot (?:yet )?(?:completed?|cleared|released|"
        r"finished)\b",
        r"\b(?:awaiting|pending) (?:customs )?(?:clearance|release)\b",
        "清关未完成|等待清关|待清关",
        status=_S.IN_TRANSIT,
        node=_N.IMPORT_CUSTOMS,
        origin_node=_N.EXPORT_CUSTOMS,
        direction=_LOC,
    ),
    _rule(
        "customs_released",
        r"\b(?:customs|import|clearance|brokerage)\b.{0,40}\b(?:completed?|success(?:ful(?:ly)?)?"
        r"|finished|cleared|released|done|approved)\b",
        r"\b(?:released|cleared) (?:by|from|through) (?:the )?(?:customs|import|clearance)\b",
        r"\bcleared customs\b|\bshipment release\b|\bout of customs\b"
        r"|\bdeparture from inward office of exchange\b",
        "清关(?:完成|成功|结束|放行|已完成)|已清关|放行|通关(?:完成|成功)|已通关|完成清关",
        r"fiscalização aduaneira (?:finalizada|concluída)|desembaraçad[oa]|liberad[oa] (?:pela|"
        r"por|de) "
        r"(?:la )?(?:fiscalização|alfândega|aduana)",
        r"desaduanad[oa]|despacho aduanero (?:completado|finalizado)",
        r"(?:lolos|selesai|keluar dari) (?:pemeriksaan )?bea cukai|bea cukai (?:selesai|lolos)",
        "ผ่านพิธีการศุลกากร",
        r"thông quan (?:thành công|xong|hoàn tất)|đã thông quan",
        status=_S.IN_TRANSIT,
        node=_N.CUSTOMS_RELEASED,
        origin_node=_N.EXPORT_CUSTOMS,
        direction=_LOC,
    ),
    _rule(
        "import_customs",
        r"\bcustoms\b|\bclearance\b|\bbrokerage\b|\bimport\b",
        "清关|海关|通关|报关",
        r"aduan|alfândega|fiscalização|importação|importación|bea cukai|ศุลกากร|hải quan|thông quan",
        status=_S.IN_TRANSIT,
        node=_N.IMPORT_CUSTOMS,
        origin_node=_N.EXPORT_CUSTOMS,
        direction=_LOC,
    ),
    # --- First mile and pre-shipment. ------------------------------------------------
    _rule(
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
    _rule(
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
    _rule(
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
    _rule(
        "delivered_to_facility",
        rf"\bdelivered to (?:the )?(?:\w+ )?(?:{_FACILITY})\b",
        status=_S.IN_TRANSIT,
        node=_N.LAST_MILE_FACILITY,
        origin_node=_N.ORIGIN_FACILITY,
        direction=_ANY,
    ),
    _rule(
        "delivered_to_third_party",
        r"\bdelivered,? (?:to )?(?:an? |the )?(?:agent|neighbou?r|front desk|reception|mail ?room"
        r"|concierge|doorman|building manager|security|leasing office)",
        r"\bleft with (?:an? |the )?(?:neighbou?r|agent|reception|front desk|concierge)\b",
        "他人代收|邻居代收|前台代收|门卫代收|物业代收",
        status=_S.DELIVERED,
        node=_N.DELIVERED,
    ),
    _rule(
        "delivered",
        r"\bdelivered\b|\bdelivery (?:completed?|successful|confirmed)\b",
        r"\bsuccessful(?:ly)? delivery\b",
        r"\bsigned (?:for )?by\b|\bsigned for\b|\bproof of delivery\b|\bfinal delivery\b",
        rf"\breceived by (?:the )?{_WHO}\b|\breceived by ?:",
        "(?<![未待拒])签收(?!失败)|妥投|已送达|送达|投递成功|派送成功|已投递",
        r"\bentregue\b|entrega (?:realizada|efetuada|concluída)|\bentregad[oa]\b|entrega exitosa",
        r"diterima oleh|telah diterima(?! di)|\bterkirim\b|berhasil (?:dikirim|diantar)",
        "นำส่งสำเร็จ|จัดส่งสำเร็จ|ส่งสำเร็จ|เซ็นรับ|ลงชื่อรับ|ได้รับพัสดุ(?:เรียบร้อย)?แล้ว",
        r"giao (?:hàng )?thành công|đã giao hàng|đã được giao|người nhận đã nhận",
        status=_S.DELIVERED,
        node=_N.DELIVERED,
    ),
    # --- Generic movement: only when nothing more specific matched. ---------------------
    _rule(
        "in_transit_to",
        r"\bin transit to\b|\ben route to\b",
        r"\bon (?:its|the) way to\b|\bheading to\b|\bforwarded to\b",
        status=_S.IN_TRANSIT,
    ),
    _rule(
        "facility_scan",
        rf"\b(?:{_FACILITY}|dc)\b",
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
        direction=_ANY,
    ),
    _rule(
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
