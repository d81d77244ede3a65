"""Generate the fictional 柳塘区's publishing records, the account health check's first-start sample.

    .venv/bin/python scripts/make_health_sample.py [--out DIR]

Six WeChat official accounts of the district, two years each: every push from 2024-12-01 to
END = 2026-11-30 (China Standard Time), written as the back end's export of published articles:

- ``liutang_district.xlsx``: sheet 发布记录 (公众号名称, 标题, 发布时间, 阅读数, 分享数, 在看数,
  点赞数, 是否原创 是/否, 文章链接; publish times as Excel date-times) with five accounts, and
  sheet 账号清单, the district's account list;
- ``hewan_town.csv``: 河湾镇's own export, GB18030, in the 订阅号 header variant (标题, 群发时间 as
  text "YYYY/MM/DD HH:MM", 阅读人数, 分享人数, 在看数, 点赞数, 是否原创 原创/非原创), no account column;
- ``accounts.csv``: the account list again (UTF-8), for imports that take a CSV.

Each account has the failings the course teaches against, so the page has something to find:
柳塘发布 is nearly all meetings and leaders' activities; 柳塘人社 is the healthy one (regular,
service-heavy, posted in reading hours, mostly original); 柳塘医保 reposts (low originality);
柳塘住建 posts at 23:00; 河湾镇 is a zombie (silent for weeks to months, including the weeks
before the assumed mid-year monitoring date 2026-05-20 and the last 24 days before END); 东坪镇
has mixed problems (irregular with 14+-day gaps, meeting-heavy, late and weekend posts, mostly
reposts). Titles come from templates written here for the sample. The output is deterministic
(fixed seed per account, fixed workbook dates and zip timestamps): running twice gives identical
bytes, which ``tests/test_health_sample.py`` checks together with the failings.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import math
import random
import re
import string
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import chinese_calendar
import openpyxl

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "desk" / "samples" / "health"
START = dt.date(2024, 12, 1)
END = dt.date(2026, 11, 30)  # the last day of the records; the sample is "as of" this date
MONITORING_DATES = (dt.date(2026, 5, 20), END)  # assumed spot-check dates the failings are built around
SEED = "liutang-health-2026"
FIXED_TIME = dt.datetime(2026, 12, 1, 0, 0, 0)  # workbook document dates and zip entry times

WORKBOOK = "liutang_district.xlsx"
TOWN_CSV = "hewan_town.csv"
ACCOUNTS_CSV = "accounts.csv"
XLSX_HEADER = ("公众号名称", "标题", "发布时间", "阅读数", "分享数", "在看数", "点赞数", "是否原创", "文章链接")
CSV_HEADER = ("标题", "群发时间", "阅读人数", "分享人数", "在看数", "点赞数", "是否原创")
ACCOUNTS_HEADER = ("公众号名称", "主办单位", "部门或镇街", "账号类型", "kind", "数据文件", "样例特点")
KINDS = ("service", "policy", "notice", "emergency", "meeting", "publicity")


@dataclass(frozen=True)
class Profile:
    """One account and how it publishes."""

    name: str
    owner: str
    unit: str
    kind: str  # government / department / town
    failing: str
    file: str
    mix: dict[str, float]  # content kind -> weight
    windows: tuple[tuple[str, str, float], ...]  # publish-time windows "HH:MM"-"HH:MM" with weights
    workday: float  # chance of a push on a working day
    offday: float  # ... on a weekend or holiday
    articles: tuple[float, ...]  # weights of 1, 2, 3... articles per push
    original: float  # share of original articles
    reads: float  # median reads of a lead article of an ordinary kind at a good hour
    growth: float  # reads grow by this factor over the two years
    max_gap: int | None = None  # the editor never lets more days than this pass without a push
    silences: tuple[tuple[dt.date, dt.date], ...] = ()  # no pushes on these days (inclusive)
    anchors: tuple[dt.date, ...] = ()  # a push for sure on these days (bounds of the silences)
    pools: dict[str, tuple[str, ...]] = field(default_factory=dict)


D = dt.date
GOOD_HOURS = (("07:20", "08:40", 4.0), ("12:00", "12:50", 2.0), ("18:00", "20:40", 3.0))

PROFILES: tuple[Profile, ...] = (
    Profile(
        name="柳塘发布",
        owner="柳塘区人民政府办公室",
        unit="区政府",
        kind="government",
        failing="几乎全是会议和领导活动",
        file=WORKBOOK,
        mix={"meeting": 0.74, "publicity": 0.1, "notice": 0.06, "policy": 0.04, "service": 0.03, "emergency": 0.03},
        windows=(("08:30", "10:00", 3.0), ("17:00", "19:00", 2.0)),
        workday=0.9,
        offday=0.3,
        articles=(0.35, 0.4, 0.25),
        original=0.7,
        reads=1600,
        growth=1.05,
        max_gap=3,
        pools={
            "leader": (
                "区委书记周明远",
                "区长陈立群",
                "常务副区长赵国平",
                "副区长刘晓燕",
                "区委副书记钱文斌",
                "区领导",
            ),
            "org": ("区委常委会", "区政府常务会议", "区委理论学习中心组", "区人大常委会", "区政协"),
            "place": ("河湾镇", "东坪镇", "东湖街道", "柳塘经济开发区", "区政务服务中心", "西城街道"),
        },
    ),
    Profile(
        name="柳塘人社",
        owner="柳塘区人力资源和社会保障局",
        unit="区人社局",
        kind="department",
        failing="健康：规律、多样、服务为主、在阅读高峰发布",
        file=WORKBOOK,
        mix={"service": 0.42, "policy": 0.22, "notice": 0.15, "publicity": 0.11, "meeting": 0.05, "emergency": 0.05},
        windows=GOOD_HOURS,
        workday=0.8,
        offday=0.25,
        articles=(0.55, 0.35, 0.1),
        original=0.82,
        reads=1300,
        growth=1.25,
        max_gap=4,
        pools={
            "leader": ("局长孙志强", "副局长马丽", "局党组书记孙志强"),
            "org": ("区人社局", "区人社局党组"),
            "service_item": (
                "社保卡申领",
                "失业保险金申领",
                "技能提升补贴申领",
                "灵活就业人员参保",
                "养老保险待遇资格认证",
                "就业登记",
                "退休手续",
                "劳动仲裁申请",
                "社保关系转移",
                "工伤认定申请",
            ),
            "policy_topic": ("稳岗返还", "创业担保贷款", "企业职工基本养老金调整", "就业见习补贴", "最低工资标准"),
            "place": ("区人社局办事大厅", "区就业服务中心", "各镇（街道）社保所"),
        },
    ),
    Profile(
        name="柳塘医保",
        owner="柳塘区医疗保障局",
        unit="区医保局",
        kind="department",
        failing="原创比例低：多为转载",
        file=WORKBOOK,
        mix={"service": 0.3, "policy": 0.3, "notice": 0.14, "publicity": 0.16, "meeting": 0.05, "emergency": 0.05},
        windows=(("10:00", "11:40", 2.0), ("14:30", "16:40", 2.0)),
        workday=0.55,
        offday=0.05,
        articles=(0.65, 0.3, 0.05),
        original=0.12,
        reads=700,
        growth=1.1,
        max_gap=6,
        pools={
            "leader": ("局长吴海燕", "副局长江涛"),
            "org": ("区医保局", "区医保局党组"),
            "service_item": (
                "城乡居民医保缴费",
                "异地就医备案",
                "门诊慢特病申请",
                "医保电子凭证激活",
                "生育津贴申领",
                "医保关系转移接续",
                "零星报销",
                "新生儿参保",
            ),
            "policy_topic": ("门诊共济保障", "居民医保财政补助", "长期护理保险", "医保药品目录", "大病保险"),
            "place": ("区医保服务大厅", "各镇（街道）便民服务中心", "定点医药机构"),
        },
    ),
    Profile(
        name="柳塘住建",
        owner="柳塘区住房和城乡建设局",
        unit="区住建局",
        kind="department",
        failing="深夜23点发布",
        file=WORKBOOK,
        mix={"notice": 0.3, "service": 0.2, "policy": 0.15, "meeting": 0.2, "publicity": 0.1, "emergency": 0.05},
        windows=(("22:40", "23:58", 9.0), ("12:10", "12:40", 1.0)),
        workday=0.42,
        offday=0.12,
        articles=(0.7, 0.25, 0.05),
        original=0.6,
        reads=420,
        growth=1.0,
        max_gap=6,
        pools={
            "leader": ("局长郑永刚", "副局长高磊"),
            "org": ("区住建局", "区住建局党组"),
            "service_item": (
                "公租房申请",
                "既有住宅加装电梯申请",
                "住宅专项维修资金使用",
                "房屋安全鉴定",
                "商品房网签备案",
                "物业服务投诉",
            ),
            "policy_topic": ("老旧小区改造", "住房公积金贷款", "物业管理", "城镇燃气安全", "房屋租赁"),
            "place": ("区住建局服务窗口", "区不动产登记中心", "各小区物业服务中心"),
        },
    ),
    Profile(
        name="河湾镇",
        owner="柳塘区河湾镇人民政府",
        unit="河湾镇",
        kind="town",
        failing="僵尸号：数周到数月不更新，监测日前14天以上无更新",
        file=TOWN_CSV,
        mix={"meeting": 0.36, "publicity": 0.34, "notice": 0.14, "service": 0.06, "policy": 0.05, "emergency": 0.05},
        windows=(("09:00", "11:30", 2.0), ("14:30", "17:30", 2.0)),
        workday=0.3,
        offday=0.04,
        articles=(0.7, 0.3),
        original=0.3,
        reads=150,
        growth=0.9,
        silences=(
            (D(2025, 1, 18), D(2025, 3, 4)),
            (D(2025, 6, 9), D(2025, 7, 1)),
            (D(2025, 8, 14), D(2025, 10, 19)),
            (D(2025, 12, 1), D(2025, 12, 28)),
            (D(2026, 1, 30), D(2026, 3, 15)),
            (D(2026, 4, 11), D(2026, 5, 21)),
            (D(2026, 7, 20), D(2026, 8, 24)),
            (D(2026, 11, 7), END),
        ),
        anchors=(D(2025, 1, 17), D(2025, 3, 5), D(2026, 4, 10), D(2026, 5, 22), D(2026, 11, 6)),
        pools={
            "leader": ("镇党委书记林建华", "镇长黄志勇", "镇党委副书记周红"),
            "org": ("河湾镇党委", "河湾镇政府", "镇党委理论学习中心组"),
            "place": ("河湾村", "柳林村", "石桥村", "新塘村", "南岸社区"),
            "area": ("河湾镇", "河湾村", "柳林村", "石桥村", "南岸社区"),
        },
    ),
    Profile(
        name="东坪镇",
        owner="柳塘区东坪镇人民政府",
        unit="东坪镇",
        kind="town",
        failing="问题混合：不规律且有14天以上空档、会议多、深夜和周末发布、转载多",
        file=WORKBOOK,
        mix={"meeting": 0.45, "publicity": 0.28, "notice": 0.12, "service": 0.06, "policy": 0.04, "emergency": 0.05},
        windows=(("09:00", "11:00", 2.0), ("15:00", "17:00", 1.5), ("22:00", "23:40", 2.5)),
        workday=0.3,
        offday=0.22,
        articles=(0.6, 0.3, 0.1),
        original=0.25,
        reads=260,
        growth=1.0,
        silences=((D(2025, 7, 28), D(2025, 8, 14)), (D(2026, 2, 10), D(2026, 2, 27)), (D(2026, 9, 8), D(2026, 9, 22))),
        anchors=(D(2025, 7, 27), D(2025, 8, 15), D(2026, 2, 9), D(2026, 2, 28)),
        pools={
            "leader": ("镇党委书记何卫东", "镇长许丽萍", "副镇长罗斌"),
            "org": ("东坪镇党委", "东坪镇政府", "镇人大主席团"),
            "place": ("东坪村", "竹山村", "上坪村", "长岭村", "东坪社区"),
            "area": ("东坪镇", "竹山村", "上坪村", "长岭村", "东坪社区"),
        },
    ),
)

# Slot words shared by all accounts; an account's own ``pools`` take precedence.
POOLS: dict[str, tuple[str, ...]] = {
    "leader": ("区领导",),
    "org": ("区委", "区政府"),
    "place": ("河湾镇", "东坪镇", "东湖街道"),
    "area": ("东湖街道", "西城街道", "柳塘街道", "河湾镇", "东坪镇"),
    "service_item": (
        "居住证办理",
        "营业执照办理",
        "婚姻登记预约",
        "不动产登记",
        "新生儿出生“一件事”",
        "高龄津贴申领",
        "残疾人两项补贴申请",
        "农村建房审批",
        "城乡居民医保缴费",
    ),
    "policy_topic": ("惠企纾困", "养老服务补贴", "农村低保标准", "以旧换新补贴", "义务教育招生", "住房公积金"),
    "work": (
        "安全生产",
        "乡村振兴",
        "招商引资",
        "重点项目建设",
        "防汛备汛",
        "森林防火",
        "人居环境整治",
        "信访维稳",
        "营商环境优化",
        "民生实事推进",
        "基层治理",
        "耕地保护",
    ),
    "people": ("困难群众", "老党员", "退役军人", "一线环卫工人", "留守儿童", "重点企业"),
    "guest": ("省农科院专家", "市商务局调研组", "对口帮扶城市考察团", "客商代表", "高校合作团队"),
    "campaign": ("文明创建", "垃圾分类", "全民反诈", "移风易俗", "爱国卫生", "无偿献血", "禁毒"),
    "honor": ("省级卫生乡镇", "市级文明村", "省级美丽宜居村庄", "市级充分就业社区", "全国民主法治示范村"),
    "role": ("乡村医生", "网格员", "退休教师", "返乡创业青年", "社区书记", "志愿者", "护林员"),
    "deed": ("守护群众健康十五年", "走遍辖区每一户", "义务教书二十年", "带领乡亲种出致富果", "风雨无阻巡山护林"),
    "unit_hire": ("区属事业单位", "区属国有企业", "社区工作者", "公益性岗位", "区融媒体中心"),
    "listing": ("低保对象", "临时救助对象", "优秀网格员推荐", "文明家庭拟表彰", "高龄津贴发放对象", "农业补贴发放"),
    "project": ("农村道路提质改造工程", "污水管网改造工程", "小学运动场改造项目", "河道清淤工程", "路灯维修项目"),
    "draft": ("公共停车管理办法", "物业服务收费办法", "农村集体资产管理办法", "户外广告设置规划"),
    "facility": ("区图书馆", "区文化馆", "区体育中心游泳馆", "区政务服务中心", "区博物馆"),
    "doc": ("实施方案", "若干措施", "管理办法", "工作方案", "实施细则"),
}

FESTIVALS = {
    1: ("元旦", "春节"),
    2: ("春节", "元宵节"),
    3: ("妇女节", "植树节"),
    4: ("清明", "世界读书日"),
    5: ("五一劳动节", "母亲节"),
    6: ("端午", "儿童节"),
    7: ("建党节", "暑假"),
    8: ("建军节", "七夕"),
    9: ("中秋", "教师节"),
    10: ("国庆", "重阳节"),
    11: ("丰收时节", "消防日"),
    12: ("冬至", "元旦"),
}
HAZARDS = {  # what the weather brings in each month
    1: ("寒潮", "道路结冰", "大雾", "暴雪"),
    2: ("寒潮", "道路结冰", "大雾"),
    3: ("强对流", "大风", "雷电"),
    4: ("强对流", "雷电", "冰雹"),
    5: ("暴雨", "强对流", "雷电"),
    6: ("暴雨", "高温", "强降雨"),
    7: ("台风", "高温", "暴雨"),
    8: ("台风", "高温", "暴雨"),
    9: ("台风", "暴雨"),
    10: ("大雾", "大风"),
    11: ("寒潮", "大雾", "大风"),
    12: ("寒潮", "大雾", "道路结冰"),
}
COLORS = ("蓝色", "黄色", "橙色", "红色")

TEMPLATES: dict[str, tuple[str, ...]] = {
    "service": (
        "{service_item}办理指南（{year}年版）",
        "{service_item}，手机上就能办",
        "{service_item}要带哪些材料？一次说清",
        "手把手教你在网上办{service_item}",
        "{service_item}办理地点、时间和电话汇总",
        "{facility}{festival}期间开放时间安排",
        "{service_item}常见问题和办理流程",
        "不用跑腿！{service_item}可以线上预约了",
        "{month}月起{service_item}有了新渠道，操作步骤看这里",
        "在{place}如何办{service_item}？攻略收好",
    ),
    "policy": (
        "政策解读｜{policy_topic}{doc}",
        "一图读懂：{year}年{policy_topic}政策",
        "关于{policy_topic}，你关心的{n}个问题都在这里解答",
        "{policy_topic}新政要点解读",
        "{year}年{policy_topic}标准调整，有哪些变化？",
        "图解《柳塘区{policy_topic}{doc}》",
        "权威解读：为什么要出台{policy_topic}{doc}",
        "问答｜{policy_topic}政策十问十答",
    ),
    "notice": (
        "关于{md}{area}部分区域计划停水的通知",
        "{area}{md}计划停电检修公告",
        "柳塘区{year}年{unit_hire}公开招聘公告",
        "关于{listing}名单的公示",
        "关于{festival}期间有关工作安排的通知",
        "招标公告｜{project}",
        "关于《柳塘区{draft}（征求意见稿）》公开征求意见的公告",
        "{year}年{unit_hire}招聘笔试成绩公示",
        "关于{area}{md}起实施临时交通管制的通告",
    ),
    "emergency": (
        "{hazard}{color}预警信号发布，请注意防范",
        "{hazard}来袭！请做好防范，减少不必要外出",
        "{area}启动防汛{level}级应急响应",
        "受{hazard}影响，{facility}今日暂停开放",
        "紧急提醒：{hazard}天气出行安全须知",
        "{hazard}预警：未来24小时{area}有{hazard}天气",
        "防范{hazard}，这份避险指引请转给家人",
    ),
    "meeting": (
        "{leader}主持召开{org}会议",
        "{leader}到{place}调研{work}工作",
        "{org}召开{work}工作推进会",
        "{leader}带队督导检查{work}",
        "{leader}走访慰问{people}",
        "{org}传达学习上级会议精神",
        "{leader}会见{guest}一行",
        "{org}召开{work}专题会议",
        "{leader}检查{place}{work}工作",
        "{org}开展{work}专题学习研讨",
        "全区{work}工作会议召开",
        "{leader}参加{place}党支部主题党日活动",
    ),
    "publicity": (
        "{festival}，{area}居民这样过",
        "{area}开展“{campaign}”主题宣传活动",
        "身边的榜样｜{role}：{deed}",
        "{area}获评{honor}",
        "{campaign}宣传走进{place}",
        "镜头里的{area}：{festival}掠影",
        "志愿服务暖人心，{area}{campaign}志愿者在行动",
        "{area}举办第{nth}届{festival}文艺汇演",
        "好人好事｜{role}{deed}",
    ),
}

KIND_READS = {"service": 1.3, "policy": 1.1, "notice": 1.0, "emergency": 2.3, "meeting": 0.45, "publicity": 0.8}
KIND_SHARES = {"service": 0.06, "policy": 0.04, "notice": 0.035, "emergency": 0.09, "meeting": 0.01, "publicity": 0.03}
POSITION_READS = (1.0, 0.45, 0.3, 0.25)


@dataclass(frozen=True)
class Row:
    account: str
    title: str
    published: dt.datetime  # China Standard Time, naive
    reads: int
    shares: int
    looking: int  # 在看
    likes: int
    original: bool
    link: str


def hour_factor(hour: int) -> float:
    """Readers open their phones at breakfast, lunch and in the evening; a night push sinks."""
    if hour in (7, 8, 12, 18, 19, 20, 21):
        return 1.25
    if 9 <= hour <= 17:
        return 1.0
    if hour in (22, 23):
        return 0.7
    return 0.55


def pick_time(rng: random.Random, windows: tuple[tuple[str, str, float], ...]) -> dt.time:
    start, end, _ = rng.choices(windows, weights=[w for _, _, w in windows])[0]
    lo, hi = (int(t[:2]) * 60 + int(t[3:]) for t in (start, end))
    minute = rng.randint(lo, hi)
    return dt.time(minute // 60, minute % 60)


def fill(template: str, rng: random.Random, profile: Profile, day: dt.date) -> str:
    later = day + dt.timedelta(days=rng.randint(2, 6))
    values = {
        "year": str(day.year + (1 if day.month == 12 else 0)),
        "month": str(later.month),
        "md": f"{later.month}月{later.day}日",
        "n": str(rng.choice((5, 6, 8, 10, 12))),
        "nth": str(rng.randint(2, 9)),
        "festival": rng.choice(FESTIVALS[day.month]),
        "hazard": rng.choice(HAZARDS[day.month]),
        "color": rng.choice(COLORS),
        "level": rng.choice(("Ⅳ", "Ⅲ")),
    }
    out = template
    while "{" in out:
        key = out[out.index("{") + 1 : out.index("}")]
        value = values[key] if key in values else rng.choice(profile.pools.get(key) or POOLS[key])
        out = out.replace("{" + key + "}", value, 1)
    return out


def push_days(rng: random.Random, profile: Profile) -> list[dt.date]:
    days, last = [], START - dt.timedelta(days=1)
    silent = {
        START + dt.timedelta(days=i) for a, b in profile.silences for i in range((a - START).days, (b - START).days + 1)
    }
    day = START
    while day <= END:
        if day not in silent:
            chance = profile.workday if chinese_calendar.is_workday(day) else profile.offday
            overdue = profile.max_gap is not None and (day - last).days >= profile.max_gap
            if day in profile.anchors or overdue or rng.random() < chance:
                days.append(day)
                last = day
        day += dt.timedelta(days=1)
    return days


def link(rng: random.Random) -> str:
    return "https://mp.weixin.qq.com/s/" + "".join(rng.choices(string.ascii_letters + string.digits + "-_", k=22))


def account_rows(profile: Profile) -> list[Row]:
    rng = random.Random(f"{SEED}:{profile.name}")
    rows: list[Row] = []
    seen: set[str] = set()
    span = (END - START).days
    for day in push_days(rng, profile):
        at = dt.datetime.combine(day, pick_time(rng, profile.windows))
        count = rng.choices(range(1, len(profile.articles) + 1), weights=profile.articles)[0]
        for position in range(count):
            kind = rng.choices(KINDS, weights=[profile.mix[k] for k in KINDS])[0]
            for _ in range(8):  # an account rarely repeats a title word for word
                title = fill(rng.choice(TEMPLATES[kind]), rng, profile, day)
                if title not in seen:
                    break
            seen.add(title)
            trend = profile.growth ** ((day - START).days / span)
            typical = profile.reads * trend * KIND_READS[kind] * hour_factor(at.hour) * POSITION_READS[position]
            reads = max(3, round(typical * math.exp(rng.gauss(0, 0.45))))
            shares = round(reads * KIND_SHARES[kind] * math.exp(rng.gauss(0, 0.4)))
            rows.append(
                Row(
                    account=profile.name,
                    title=title,
                    published=at,
                    reads=reads,
                    shares=shares,
                    looking=round(reads * 0.008 * math.exp(rng.gauss(0, 0.5))),
                    likes=round(reads * 0.015 * math.exp(rng.gauss(0, 0.5))),
                    original=rng.random() < profile.original,
                    link=link(rng),
                )
            )
    return rows


def fixed_zip(data: bytes) -> bytes:
    """The same archive with fixed entry times and document date (openpyxl stamps the time of
    saving into docProps/core.xml), so that two runs give identical bytes."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>" + stamp, content)
            dst.writestr(entry, content)
    return out.getvalue()


def account_list() -> list[tuple[str, ...]]:
    zh = {"government": "区政府", "department": "部门", "town": "镇街"}
    return [(p.name, p.owner, p.unit, zh[p.kind], p.kind, p.file, p.failing) for p in PROFILES]


def write_workbook(path: Path, rows: list[Row]) -> None:
    wb = openpyxl.Workbook()
    wb.properties.creator = "柳塘区政务新媒体样例"
    wb.properties.created = wb.properties.modified = FIXED_TIME
    ws = wb.active
    assert ws is not None
    ws.title = "发布记录"
    ws.append(XLSX_HEADER)
    for r in rows:
        ws.append(
            (
                r.account,
                r.title,
                r.published,
                r.reads,
                r.shares,
                r.looking,
                r.likes,
                "是" if r.original else "否",
                r.link,
            )
        )
    for cell in ws["C"][1:]:
        cell.number_format = "yyyy-mm-dd hh:mm"
    ws.column_dimensions["B"].width = 48
    ws.column_dimensions["C"].width = 18
    accounts = wb.create_sheet("账号清单")
    accounts.append(ACCOUNTS_HEADER)
    for line in account_list():
        accounts.append(line)
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(fixed_zip(buffer.getvalue()))


def write_town_csv(path: Path, rows: list[Row]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        when = r.published.strftime("%Y/%m/%d %H:%M")
        writer.writerow((r.title, when, r.reads, r.shares, r.looking, r.likes, "原创" if r.original else "非原创"))
    path.write_bytes(out.getvalue().encode("gb18030"))


def write_accounts_csv(path: Path) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ACCOUNTS_HEADER)
    writer.writerows(account_list())
    path.write_text(out.getvalue(), encoding="utf-8")


def build(out_dir: Path = OUT) -> list[Path]:
    """Write the sample files into ``out_dir`` and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = {p.name: account_rows(p) for p in PROFILES}
    in_workbook = [r for p in PROFILES if p.file == WORKBOOK for r in rows[p.name]]
    in_csv = [r for p in PROFILES if p.file == TOWN_CSV for r in rows[p.name]]
    paths = [out_dir / WORKBOOK, out_dir / TOWN_CSV, out_dir / ACCOUNTS_CSV]
    write_workbook(paths[0], in_workbook)
    write_town_csv(paths[1], in_csv)
    write_accounts_csv(paths[2])
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"folder to write to (default {OUT.relative_to(ROOT)})")
    args = parser.parse_args()
    for path in build(args.out):
        print(f"wrote {path} ({path.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
