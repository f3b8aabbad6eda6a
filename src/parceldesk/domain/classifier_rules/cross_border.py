"""Rule table, second section: the last metres (out for delivery, pickup points,
awaiting carrier pickup), then the cross-border chain (last-mile handover, linehaul,
arrival, export and import customs).

Out for delivery and the pickup-point rows must precede every DELIVERED row (in
``movement``): "Out for delivery" is not "delivered".
"""

from __future__ import annotations

from parceldesk.domain.classifier_rules.base import LOC, WHO, Rule, rule
from parceldesk.domain.taxonomy import ExceptionReason, Node, Status

__all__ = ["CROSS_BORDER_RULES"]

_S, _N, _R = Status, Node, ExceptionReason

CROSS_BORDER_RULES: tuple[Rule, ...] = (
    # --- Out for delivery must precede every DELIVERED rule. ---------------------------
    rule(
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
    rule(
        "picked_up_by_recipient",
        rf"\bpicked up by (?:the )?{WHO}\b|\b{WHO} picked up\b|\bcollected by (?:the )?{WHO}\b",
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
    rule(
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
    rule(
        "awaiting_carrier_pickup",
        r"\b(?:pending|awaiting|waiting for)(?: courier| carrier| driver| rider)? pick ?-?up\b"
        rf"(?! by (?:the )?{WHO})",
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
    rule(
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
        direction=LOC,
    ),
    rule(
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
    rule(
        "origin_post",
        r"\borigin post\b|\b(?:at|in) (?:the )?origin country\b",
        status=_S.IN_TRANSIT,
        node=_N.ORIGIN_FACILITY,
    ),
    rule(
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
        direction=LOC,
    ),
    rule(
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
    rule(
        "export_customs",
        r"\bexport\w*\b|\boutward office of exchange\b",
        "出口|(?<!进口)报关",
        r"exportação|exportación|\bekspor\b|ส่งออก|xuất khẩu",
        status=_S.IN_TRANSIT,
        node=_N.EXPORT_CUSTOMS,
    ),
    rule(
        "customs_pending",
        r"\b(?:customs|clearance)\b.{0,30}\bnot (?:yet )?(?:completed?|cleared|released|"
        r"finished)\b",
        r"\b(?:awaiting|pending) (?:customs )?(?:clearance|release)\b",
        "清关未完成|等待清关|待清关",
        status=_S.IN_TRANSIT,
        node=_N.IMPORT_CUSTOMS,
        origin_node=_N.EXPORT_CUSTOMS,
        direction=LOC,
    ),
    rule(
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
        direction=LOC,
    ),
    rule(
        "import_customs",
        r"\bcustoms\b|\bclearance\b|\bbrokerage\b|\bimport\b",
        "清关|海关|通关|报关",
        r"aduan|alfândega|fiscalização|importação|importación|bea cukai|ศุลกากร|hải quan|thông quan",
        status=_S.IN_TRANSIT,
        node=_N.IMPORT_CUSTOMS,
        origin_node=_N.EXPORT_CUSTOMS,
        direction=LOC,
    ),
)
