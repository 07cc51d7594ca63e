"""The national renovation catalog (国办发〔2020〕23号: 基础类 / 完善类 / 提升类) and Wuning's local
"三清四改五提升" scheme over it, shipped as data and loaded by migration 0002.

Codes are stable: migrations and demo data refer to items by code. Add new items at the end of a
category; never reuse a code.
"""

# (code, name, category, unit)
ITEMS = [
    # basic (基础类): safety and the basic needs of living
    ("B01", "屋面防水及修缮", "basic", "m²"),
    ("B02", "外墙修缮及保温", "basic", "m²"),
    ("B03", "楼道及楼梯间改造", "basic", "个"),
    ("B04", "供水管网改造", "basic", "m"),
    ("B05", "排水管网及化粪池改造", "basic", "m"),
    ("B06", "供电设施改造", "basic", "项"),
    ("B07", "弱电（通信、有线电视）管线改造", "basic", "m"),
    ("B08", "小区道路改造", "basic", "m²"),
    ("B09", "供气（燃气）设施改造", "basic", "户"),
    ("B10", "供热设施改造", "basic", "户"),
    ("B11", "消防设施改造", "basic", "项"),
    ("B12", "安防设施（监控、门禁）改造", "basic", "项"),
    ("B13", "生活垃圾分类设施", "basic", "处"),
    ("B14", "移动通信设施", "basic", "处"),
    ("B15", "雨污分流改造", "basic", "m"),
    ("B16", "架空线缆规整及入地", "basic", "m"),
    # improvement (完善类): convenience and comfort
    ("I01", "环境整治", "improvement", "m²"),
    ("I02", "建筑节能改造", "improvement", "m²"),
    ("I03", "加装电梯", "improvement", "台"),
    ("I04", "拆除违法建设", "improvement", "m²"),
    ("I05", "绿化提升", "improvement", "m²"),
    ("I06", "照明设施", "improvement", "盏"),
    ("I07", "适老化及无障碍设施", "improvement", "处"),
    ("I08", "停车设施（停车位、停车库）", "improvement", "个"),
    ("I09", "电动汽车及电动自行车充电设施", "improvement", "个"),
    ("I10", "智能信包箱（快件箱）", "improvement", "组"),
    ("I11", "文化休闲及体育健身设施", "improvement", "处"),
    ("I12", "物业管理用房", "improvement", "m²"),
    ("I13", "清理楼道堆物杂物", "improvement", "栋"),
    ("I14", "清理乱张贴小广告（“牛皮癣”）", "improvement", "处"),
    ("I15", "外立面美化", "improvement", "m²"),
    # upgrade (提升类): public services in and around the compound
    ("U01", "社区综合服务设施", "upgrade", "m²"),
    ("U02", "卫生服务站", "upgrade", "处"),
    ("U03", "幼儿园", "upgrade", "处"),
    ("U04", "养老服务设施", "upgrade", "处"),
    ("U05", "托育服务设施", "upgrade", "处"),
    ("U06", "助餐服务设施", "upgrade", "处"),
    ("U07", "家政保洁及便民市场", "upgrade", "处"),
    ("U08", "便利店及快递服务站", "upgrade", "处"),
    ("U09", "智慧感知设施（智慧社区）", "upgrade", "项"),
    ("U10", "物业服务提升及长效管理", "upgrade", "项"),
]

# Wuning county (武宁县): 三清 (clear three), 四改 (change four), 五提升 (upgrade five)
WUNING_SCHEME = "武宁县“三清四改五提升”"
WUNING_DESCRIPTION = (
    "三清：清楼道乱堆杂物、清违建、清“牛皮癣”；四改：改线（管线下地）、改管（化粪池及配套管网、"
    "自来水管网、雨污分流）、改路、改停车位；五提升：提升功能设施、提升绿化景观、提升美化外立面"
    "（含屋顶、墙面防水防漏）、提升安全保障系统、提升物业服务水平。"
)
# (code, name, item codes)
WUNING_GROUPS = [
    ("清1", "三清·清楼道乱堆杂物", ["I13"]),
    ("清2", "三清·清违建", ["I04"]),
    ("清3", "三清·清“牛皮癣”", ["I14"]),
    ("改1", "四改·改线（管线下地）", ["B06", "B07", "B16"]),
    ("改2", "四改·改管（化粪池、自来水、雨污分流）", ["B04", "B05", "B15", "B09"]),
    ("改3", "四改·改路", ["B08"]),
    ("改4", "四改·改停车位", ["I08", "I09"]),
    ("升1", "五提升·提升功能设施", ["I03", "I06", "I07", "I10", "I11", "I12", "B13", "U01"]),
    ("升2", "五提升·提升绿化景观", ["I05", "I01"]),
    ("升3", "五提升·提升美化外立面（含屋顶、墙面防水防漏）", ["B01", "B02", "I15"]),
    ("升4", "五提升·提升安全保障系统", ["B11", "B12"]),
    ("升5", "五提升·提升物业服务水平", ["U10"]),
]


def load(CatalogItem, CatalogScheme, CatalogGroup) -> None:
    """Idempotent: run from the migration (historical models) or tests."""
    by_code = {}
    for order, (code, name, category, unit) in enumerate(ITEMS):
        item, _ = CatalogItem.objects.update_or_create(
            code=code, defaults={"name": name, "category": category, "unit": unit, "order": order}
        )
        by_code[code] = item
    scheme, _ = CatalogScheme.objects.update_or_create(
        name=WUNING_SCHEME, defaults={"description": WUNING_DESCRIPTION}
    )
    for order, (code, name, item_codes) in enumerate(WUNING_GROUPS):
        group, _ = CatalogGroup.objects.update_or_create(
            scheme=scheme, code=code, defaults={"name": name, "order": order}
        )
        group.items.set([by_code[c] for c in item_codes])
