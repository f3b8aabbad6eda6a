"""Rule table, first section: claim-relevant exceptions (lost, damaged, returned,
held, address problems, refusals, failed attempts, delays).

They come first so that they win over any movement wording in the same text
("Delivery attempted" is not delivered, "returned to sender" is not in transit).
"""

from __future__ import annotations

from parceldesk.domain.classifier_rules.base import BACK_TO, LOC, WHO, Rule, rule
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status

__all__ = ["EXCEPTION_RULES"]

_S, _N, _R = Status, Node, ExceptionReason

EXCEPTION_RULES: tuple[Rule, ...] = (
    # --- Claim-relevant exceptions first: they win over any movement wording. ---------
    rule(
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
    rule(
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
    rule(
        "returned_to_sender_completed",
        rf"\bdelivered (?:back )?to {BACK_TO}\b",
        rf"\b(?:has been|was) (?:successfully )?returned to {BACK_TO}\b",
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
    rule(
        "returning_to_sender",
        rf"\breturn(?:ed|ing)? to {BACK_TO}\b",
        r"\breturning\b|\brts\b|\breturn (?:in progress|initiated|processed|requested)\b",
        "退回|退件|退运|退还|原件返回|返回(?:发件人|寄件人)",
        r"devolvid[oa]|devolução|devuelt[oa]|devolución|\bretorno al remitente\b",
        r"dikembalikan|\bretur\b|diretur|pengembalian",
        "ตีกลับ|ส่งคืน|คืนผู้ส่ง",
        r"hoàn hàng|chuyển hoàn|hoàn trả|hoàn về|trả lại người gửi|đang hoàn",
        status=_S.RETURNING,
        reason=_R.RETURNED_TO_SENDER,
    ),
    rule(
        "customs_hold_lifted",
        r"\b(?:released|cleared) from (?:customs )?(?:hold|detention)\b",
        r"\b(?:customs )?hold (?:released|lifted|cleared)\b",
        "解除扣留|扣留解除",
        status=_S.IN_TRANSIT,
        node=_N.CUSTOMS_RELEASED,
        origin_node=_N.EXPORT_CUSTOMS,
        direction=LOC,
    ),
    rule(
        "problem_resolved",
        r"\b(?:problem|issue|exception|delay) (?:has been |was )?(?:resolved|cleared|lifted)\b",
        r"\bresolved\b",
        "问题已解决|异常(?:已)?解除",
        status=_S.IN_TRANSIT,
    ),
    rule(
        "export_customs_hold",
        r"\bexport\b.{0,40}\b(?:hold|held|detained|seized|delay(?:ed)?|exception|abnormal)\b",
        r"\b(?:held|detained|seized) (?:by|in|at) (?:the )?export customs\b",
        "出口.{0,6}(?:扣|异常|查验异常)|报关(?:异常|失败)",
        status=_S.EXCEPTION,
        node=_N.EXPORT_CUSTOMS,
        reason=_R.CUSTOMS_HOLD,
    ),
    rule(
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
        direction=LOC,
    ),
    rule(
        "destroyed",
        r"\b(?:destroyed|disposed|abandoned)\b",
        "销毁|弃件",
        status=_S.EXCEPTION,
        reason=_R.OTHER,
    ),
    rule(
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
    rule(
        "rejected_by_carrier",
        r"\b(?:rejected|refused) by (?:the )?(?:carrier|airline|courier)\b|\bnon-?compliance\b",
        r"\bprohibited (?:item|goods|content|article)s?\b",
        "违禁品|航空公司拒收",
        status=_S.EXCEPTION,
        reason=_R.OTHER,
    ),
    rule(
        "refused",
        rf"\brefus(?:ed|al|es)?\b|\b(?:rejected|declined) by (?:the )?{WHO}\b",
        rf"\b{WHO} (?:rejected|declined)\b",
        "拒收|拒签|拒绝签收|拒绝接收",
        r"recusad[oa]|recusou|rechazad[oa]|rechazó",
        r"\bditolak\b|\bmenolak\b",
        "ปฏิเสธ",
        "từ chối",
        status=_S.EXCEPTION,
        reason=_R.REFUSED,
    ),
    rule(
        "failed_attempt_recipient_unavailable",
        r"\bno ?one (?:home|available|at home|present)\b",
        r"\bnobody (?:home|available)\b|\bnot (?:at )?home\b",
        rf"\b{WHO}(?: was| is)? (?:not available|unavailable|absent|not present|not reachable"
        r"|unreachable|not contactable)\b",
        r"\bno authori[sz]ed recipient\b|\bnotice left\b|\bbusiness (?:was )?closed\b"
        rf"|\bclosed on arrival\b|\bno access\b|\bunable to (?:contact|reach) (?:the )?{WHO}\b",
        "收件人不在|客户不在|无人(?:在家|签收|接听|收件)|电话(?:无人接听|不通|关机)|联系不上|无法联系",
        r"carteiro não atendido|destinatário ausente|\bausente\b|nadie en casa",
        r"penerima tidak (?:ada|di ?tempat|dapat dihubungi|bisa dihubungi)",
        r"tidak ada orang|rumah kosong",
        "ไม่มีผู้รับ|ติดต่อผู้รับไม่ได้|ติดต่อไม่ได้|ผู้รับไม่อยู่",
        r"không liên lạc được|không nghe máy|vắng nhà|người nhận vắng|không có người nhận",
        status=_S.FAILED_ATTEMPT,
        reason=_R.RECIPIENT_UNAVAILABLE,
    ),
    rule(
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
    rule(
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
    rule(
        "cancelled",
        r"\bcancel(?:l)?ed\b|\bcancellation\b|\bvoided\b",
        "已取消|订单取消|取消订单",
        r"cancelad[oa]|\bdibatalkan\b",
        "ยกเลิก",
        r"đã hủy|hủy đơn",
        status=_S.EXCEPTION,
        reason=_R.OTHER,
    ),
    rule(
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
)
