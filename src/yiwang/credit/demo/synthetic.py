"""Synthetic but realistic Jilin market entities, for the demo seed and the benchmark.

Names follow the pattern of 企业名称登记管理规定: administrative division + trade name
(字号) + industry + organisational form, e.g. 长春市鑫达汽车配件有限公司,
吉林省华信科技股份有限公司, 汪清县红星村兴农种植专业合作社, 南关区福顺便利店.
USCCs are valid (GB 32100, both check characters) and unique per sequence number:
the organisation code is `M` + a letter chosen by the caller + the number in base 31.
Everything is a pure function of the sequence number and a seed: the same call gives
the same rows, so loads of generated files are reproducible and resumable.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from yiwang.common.validators import USCC_ALPHABET, make_uscc
from yiwang.credit.choices import DisclosureKind, EnterpriseKind, EnterpriseStatus

# County-level units of Jilin (GB/T 2260): code, short name, full name, city short name.
COUNTIES: tuple[tuple[str, str, str, str], ...] = (
    ("220102", "南关", "南关区", "长春"),
    ("220103", "宽城", "宽城区", "长春"),
    ("220104", "朝阳", "朝阳区", "长春"),
    ("220105", "二道", "二道区", "长春"),
    ("220106", "绿园", "绿园区", "长春"),
    ("220112", "双阳", "双阳区", "长春"),
    ("220113", "九台", "九台区", "长春"),
    ("220122", "农安", "农安县", "长春"),
    ("220182", "榆树", "榆树市", "长春"),
    ("220183", "德惠", "德惠市", "长春"),
    ("220184", "公主岭", "公主岭市", "长春"),
    ("220202", "昌邑", "昌邑区", "吉林"),
    ("220203", "龙潭", "龙潭区", "吉林"),
    ("220204", "船营", "船营区", "吉林"),
    ("220211", "丰满", "丰满区", "吉林"),
    ("220221", "永吉", "永吉县", "吉林"),
    ("220281", "蛟河", "蛟河市", "吉林"),
    ("220282", "桦甸", "桦甸市", "吉林"),
    ("220283", "舒兰", "舒兰市", "吉林"),
    ("220284", "磐石", "磐石市", "吉林"),
    ("220302", "铁西", "铁西区", "四平"),
    ("220303", "铁东", "铁东区", "四平"),
    ("220322", "梨树", "梨树县", "四平"),
    ("220323", "伊通", "伊通满族自治县", "四平"),
    ("220382", "双辽", "双辽市", "四平"),
    ("220402", "龙山", "龙山区", "辽源"),
    ("220403", "西安", "西安区", "辽源"),
    ("220421", "东丰", "东丰县", "辽源"),
    ("220422", "东辽", "东辽县", "辽源"),
    ("220502", "东昌", "东昌区", "通化"),
    ("220503", "二道江", "二道江区", "通化"),
    ("220521", "通化县", "通化县", "通化"),
    ("220523", "辉南", "辉南县", "通化"),
    ("220524", "柳河", "柳河县", "通化"),
    ("220581", "梅河口", "梅河口市", "通化"),
    ("220582", "集安", "集安市", "通化"),
    ("220602", "浑江", "浑江区", "白山"),
    ("220605", "江源", "江源区", "白山"),
    ("220621", "抚松", "抚松县", "白山"),
    ("220622", "靖宇", "靖宇县", "白山"),
    ("220623", "长白", "长白朝鲜族自治县", "白山"),
    ("220681", "临江", "临江市", "白山"),
    ("220702", "宁江", "宁江区", "松原"),
    ("220721", "前郭", "前郭尔罗斯蒙古族自治县", "松原"),
    ("220722", "长岭", "长岭县", "松原"),
    ("220723", "乾安", "乾安县", "松原"),
    ("220781", "扶余", "扶余市", "松原"),
    ("220802", "洮北", "洮北区", "白城"),
    ("220821", "镇赉", "镇赉县", "白城"),
    ("220822", "通榆", "通榆县", "白城"),
    ("220881", "洮南", "洮南市", "白城"),
    ("220882", "大安", "大安市", "白城"),
    ("222401", "延吉", "延吉市", "延边"),
    ("222402", "图们", "图们市", "延边"),
    ("222403", "敦化", "敦化市", "延边"),
    ("222404", "珲春", "珲春市", "延边"),
    ("222405", "龙井", "龙井市", "延边"),
    ("222406", "和龙", "和龙市", "延边"),
    ("222424", "汪清", "汪清县", "延边"),
    ("222426", "安图", "安图县", "延边"),
)
CITY_FULL = {
    "长春": "长春市",
    "吉林": "吉林市",
    "四平": "四平市",
    "辽源": "辽源市",
    "通化": "通化市",
    "白山": "白山市",
    "松原": "松原市",
    "白城": "白城市",
    "延边": "延边朝鲜族自治州",
}
# Where the people and the businesses are: Changchun has about a third of the entities.
CITY_WEIGHT = {
    "长春": 34,
    "吉林": 16,
    "四平": 8,
    "辽源": 4,
    "通化": 8,
    "白山": 5,
    "松原": 9,
    "白城": 6,
    "延边": 10,
}
_COUNTY_WEIGHTS = [CITY_WEIGHT[c[3]] / sum(1 for x in COUNTIES if x[3] == c[3]) for c in COUNTIES]

TRADE_CHARS = (
    "鑫华盛泰恒达瑞祥隆兴宏源丰利通德福嘉信诚和金宝亿佳美新东北远博海天正中安康宁升晟昊"
    "晖辉煜泽润森林峰岳川江鹏翔飞腾龙凤麒麟骏驰众合力诺聚汇鼎旺顺吉庆永益广大百万千禾谷"
    "穗雪松柏桦红蓝青晨阳光明星辰宇航科智创赢硕锦绣禄喜乐融盈富强凯捷迅锐卓越铭志鸿运泓"
    "澜沃邦盟联嘉豪雅慧峻巍屹皓骐睿琪璟瀚霖霆钧铎铂钰"
)
INDUSTRIES = (
    "科技",
    "汽车配件",
    "汽车销售服务",
    "汽车零部件",
    "农业发展",
    "商贸",
    "建筑工程",
    "装饰工程",
    "餐饮管理",
    "物流",
    "房地产开发",
    "物业管理",
    "医药",
    "生物科技",
    "食品",
    "粮油",
    "木业",
    "矿业",
    "化工",
    "机械制造",
    "电子",
    "信息技术",
    "网络科技",
    "教育咨询",
    "文化传媒",
    "广告",
    "劳务",
    "环保科技",
    "新能源",
    "电力工程",
    "旅游开发",
    "酒店管理",
    "人参产业",
    "林业",
    "养殖",
    "畜牧",
    "水产",
    "米业",
    "玉米深加工",
    "冰雪旅游",
    "轨道交通设备",
    "光电",
    "钢材",
    "水泥",
    "五金",
    "建材",
    "家具",
    "服装",
    "印刷",
    "包装",
    "通信工程",
    "安防",
    "软件开发",
    "数据服务",
    "健康管理",
    "养老服务",
    "家政服务",
    "运输",
    "仓储",
    "农资",
    "种业",
    "农机",
    "园林绿化",
    "市政工程",
    "水利工程",
    "测绘",
    "检测",
    "财务咨询",
    "人力资源",
    "投资管理",
    "贸易",
    "石油机械",
    "中药材",
    "矿泉水",
    "葡萄酒",
    "乳业",
    "肉类加工",
    "饲料",
    "纺织",
    "陶瓷",
    "玻璃",
)
SHOPS = (
    "便利店",
    "超市",
    "饭店",
    "烧烤店",
    "理发店",
    "五金店",
    "药店",
    "水果店",
    "汽车修理部",
    "门市部",
    "服装店",
    "手机店",
    "干洗店",
    "面馆",
    "冷面馆",
    "参茸店",
    "粮店",
    "建材商店",
)
COOPERATIVES = ("种植专业合作社", "养殖专业合作社", "农机专业合作社", "食用菌专业合作社")
VILLAGES = ("前进", "永安", "红星", "胜利", "新兴", "太平", "长发", "富民", "东升", "保安", "兴隆")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文朴"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志强海燕红梅玉兰春雷立新凤英淑珍文斌宏伟晓东海波丹丹"
ROADS = (
    "人民大街",
    "解放大路",
    "自由大路",
    "亚泰大街",
    "东风大街",
    "长江路",
    "黄河路",
    "光明街",
    "建设街",
    "新华路",
    "友谊路",
    "中华路",
    "胜利街",
)


@dataclass(frozen=True)
class County:
    code: str
    short: str
    full: str
    city: str

    @property
    def city_full(self) -> str:
        return CITY_FULL[self.city]


_COUNTIES = [County(*c) for c in COUNTIES]


def org_code(prefix: str, n: int) -> str:
    """`M` + `prefix` + n in base 31 over the USCC alphabet, 6 digits (887 million codes)."""
    digits = []
    for _ in range(6):
        n, r = divmod(n, 31)
        digits.append(USCC_ALPHABET[r])
    if n:
        raise ValueError("sequence number too large for 6 base-31 digits")
    return "M" + prefix + "".join(reversed(digits))


def _trade_name(rng: random.Random) -> str:
    size = 2 if rng.random() < 0.85 else 3
    return "".join(rng.choice(TRADE_CHARS) for _ in range(size))


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def enterprise_row(
    n: int, *, seed: int = 2026, code_prefix: str = "A", today: date | None = None
) -> dict[str, Any]:
    """The n-th synthetic market entity as a loader row (see credit.ingest.loader)."""
    rng = random.Random(seed * 1_000_003 + n)  # noqa: S311 - synthetic data, no secret
    today = today or date(2026, 6, 1)
    county = rng.choices(_COUNTIES, weights=_COUNTY_WEIGHTS)[0]
    trade, industry = _trade_name(rng), rng.choice(INDUSTRIES)
    roll = rng.random()
    category = "1"
    if roll < 0.42:
        kind, name = (
            EnterpriseKind.LLC,
            f"{rng.choice((county.city_full, county.city))}{trade}{industry}有限公司",
        )
    elif roll < 0.57:
        kind, name = EnterpriseKind.LLC, f"{county.full}{trade}{industry}有限公司"
    elif roll < 0.62:
        kind, name = EnterpriseKind.JOINT_STOCK, f"吉林省{trade}{industry}股份有限公司"
    elif roll < 0.66:
        kind, name = EnterpriseKind.LLC, f"吉林{trade}{industry}集团有限公司"
    elif roll < 0.69:
        kind = EnterpriseKind.BRANCH
        name = f"{county.city_full}{trade}{industry}有限公司{county.full}分公司"
    elif roll < 0.71:
        kind, name = EnterpriseKind.FOREIGN_INVESTED, f"{trade}（吉林）{industry}有限公司"
    elif roll < 0.74:
        kind, name = EnterpriseKind.SOLE_PROPRIETORSHIP, f"{county.full}{trade}{industry}经销处"
    elif roll < 0.76:
        kind, name = (
            EnterpriseKind.PARTNERSHIP,
            f"{county.city_full}{trade}{industry}合伙企业（有限合伙）",
        )
    elif roll < 0.81:
        kind, category = EnterpriseKind.COOPERATIVE, "3"
        name = f"{county.full}{rng.choice(VILLAGES)}村{trade}{rng.choice(COOPERATIVES)}"
    else:
        kind, category = EnterpriseKind.INDIVIDUAL, "2"
        name = f"{county.full}{trade}{rng.choice(SHOPS)}"
    first = today.year - 30
    # More entities were founded recently (the registration reform of 2014 onwards).
    year = min(today.year - 1, first + int(30 * rng.random() ** 0.6))
    established = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    status_roll = rng.random()
    status = (
        EnterpriseStatus.ACTIVE
        if status_roll < 0.9
        else EnterpriseStatus.REVOKED
        if status_roll < 0.95
        else EnterpriseStatus.CANCELLED
    )
    capital = (
        rng.choice((3, 10, 30, 50, 100, 200, 500, 1000, 5000))
        if kind != EnterpriseKind.INDIVIDUAL
        else rng.choice((1, 2, 5, 10))
    )
    return {
        "uscc": make_uscc("9", category, county.code, org_code(code_prefix, n)),
        "name": name,
        "kind": kind.value,
        "legal_representative": person_name(rng),
        "registered_capital": str(capital),
        "address": f"吉林省{county.city_full}{county.full}{rng.choice(ROADS)}{rng.randint(1, 3999)}号",
        "region_code": county.code,
        "registration_authority": f"{county.full}市场监督管理局",
        "established_on": established.isoformat(),
        "approved_on": (established + timedelta(days=rng.randrange(0, 2000))).isoformat(),
        "term_to": ""
        if rng.random() < 0.6
        else date(min(year + 30, 9999), established.month, 1).isoformat(),
        "status": status.value,
        "business_scope": f"{industry}相关业务（依法须经批准的项目，经相关部门批准后方可开展经营活动）",
    }


def enterprise_rows(start: int, stop: int, **kwargs: Any) -> Iterator[dict[str, Any]]:
    for n in range(start, stop):
        yield enterprise_row(n, **kwargs)


# Departments of the org data that publish, by kind (codes as in org/data/jilin.json).
_LICENSE_TITLES = (
    "食品经营许可证",
    "道路运输经营许可证",
    "建筑业企业资质证书",
    "药品经营许可证",
    "排污许可证",
    "危险化学品经营许可证",
    "卫生许可证",
    "林木采伐许可证",
)
_PENALTY_RESULTS = ("警告", "罚款", "没收违法所得、罚款", "责令停产停业", "警告、罚款")
_PENALTY_FACTS = (
    "未按规定公示年度报告以外的其他信息",
    "销售不符合食品安全标准的食品",
    "虚假广告",
    "未取得许可擅自经营",
    "产品质量不合格",
    "价格违法行为",
)
_CHECK_RESULTS = (
    "未发现问题",
    "未发现问题",
    "未发现问题",
    "发现问题已责令改正",
    "通过登记的住所或者经营场所无法联系",
    "未按规定公示即时信息",
)


def disclosure_row(
    n: int, uscc: str, departments: list[str], *, seed: int = 2026, today: date | None = None
) -> dict[str, Any]:
    """The n-th synthetic disclosure about `uscc`, published by one of `departments`."""
    rng = random.Random(seed * 7_000_001 + n)  # noqa: S311 - synthetic data, no secret
    today = today or date(2026, 6, 1)
    decided = today - timedelta(days=rng.randrange(1, 3650))
    roll = rng.random()
    department = rng.choice(departments)
    row: dict[str, Any] = {
        "uscc": uscc,
        "department": department,
        "source_ref": f"syn-{seed}-{n}",
        "decided_on": decided.isoformat(),
    }
    if roll < 0.5:
        title = rng.choice(_LICENSE_TITLES)
        row |= {
            "kind": DisclosureKind.LICENSE.value,
            "title": title,
            "document_no": f"JY{decided.year}{n % 10_000_000:08d}",
            "content": f"准予{title}",
            "legal_basis": "《中华人民共和国行政许可法》",
            "valid_from": decided.isoformat(),
            "valid_to": (decided + timedelta(days=5 * 365)).isoformat(),
        }
    elif roll < 0.82:
        row |= {
            "kind": DisclosureKind.SPOT_CHECK.value,
            "title": f"{decided.year}年度“双随机、一公开”抽查",
            "result": rng.choice(_CHECK_RESULTS),
            "legal_basis": "《企业信息公示暂行条例》第十四条",
        }
    elif roll < 0.96:
        result = rng.choice(_PENALTY_RESULTS)
        row |= {
            "kind": DisclosureKind.PENALTY.value,
            "title": rng.choice(_PENALTY_FACTS),
            "document_no": f"吉市监处罚〔{decided.year}〕{n % 100_000}号",
            "result": result,
            "amount": str(rng.choice((0.2, 0.5, 1, 2, 5, 10))) if "罚款" in result else "",
            "content": f"当事人{rng.choice(_PENALTY_FACTS)}，依法予以{result}",
            "legal_basis": "《中华人民共和国行政处罚法》",
        }
    else:
        row |= {
            "kind": DisclosureKind.EQUITY_PLEDGE.value,
            "title": "股权出质设立登记",
            "document_no": f"{decided.year}ZQ{n % 1_000_000:06d}",
            "content": f"出质股权数额 {rng.randint(10, 500)} 万元",
            "legal_basis": "《股权出质登记办法》",
        }
    return row
