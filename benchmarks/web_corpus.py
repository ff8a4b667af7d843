"""The invented store bench_web.py measures: papers, issues, articles, summaries and briefings.

Articles are county-paper prose put together from word lists with a seeded random generator: people
(a surname and one or two given characters, so two-character names such as 刘旋 occur as they do in
print), places, bodies, work topics with a skewed frequency (乡村振兴 is common, 量子 never occurs),
figures and dates. Every article differs. They go in through the store's own writers
(``record_document``, ``save_summaries``, ``brief``), so the search table is the one its triggers keep.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from digest.briefing.daily import brief
from digest.briefing.subscribers import SubscriberSettings
from digest.models import Article, RawInput, Summary
from digest.sources.base import FetchedDocument
from digest.store import Store

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余"
    "潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文斌海波宁鹏飞辉琳旋雪梅晨阳鑫森凯彬荣"
PLACE_HEADS = "东西南北上下前后大小新老青石沙柳桃杏梨枣槐松柏河湖泉溪峪沟岭坪塔寨庄堡营店"
PLACE_TAILS = ("镇", "乡", "村", "街道", "社区", "工业园区")
BODIES = (
    "县委",
    "县政府",
    "县人大常委会",
    "县政协",
    "县纪委监委",
    "县发改局",
    "县教育局",
    "县卫健局",
    "县农业农村局",
    "县文旅局",
    "县应急管理局",
    "县市场监管局",
    "县住建局",
    "县交通运输局",
    "县水利局",
    "县自然资源局",
    "县生态环境局",
    "县财政局",
    "县人社局",
    "县民政局",
    "县公安局",
    "县法院",
    "县检察院",
    "团县委",
    "县妇联",
)
ROLES = (
    "县委书记",
    "县长",
    "副县长",
    "局长",
    "党委书记",
    "镇长",
    "村党支部书记",
    "主任",
    "负责人",
    "驻村第一书记",
)
# (topic, weight): the first few are everyday words of a county paper, the last ones rare.
TOPICS = (
    ("乡村振兴", 40),
    ("项目建设", 30),
    ("安全生产", 25),
    ("营商环境", 20),
    ("基层治理", 18),
    ("招商引资", 16),
    ("生态保护", 14),
    ("防汛抗旱", 12),
    ("文明城市创建", 10),
    ("高标准农田建设", 8),
    ("农村人居环境整治", 8),
    ("义务教育", 7),
    ("医疗保障", 7),
    ("就业创业", 6),
    ("文化旅游", 6),
    ("数字经济", 5),
    ("森林防火", 5),
    ("隐患排查", 5),
    ("合作社", 4),
    ("光伏发电", 3),
    ("冬小麦", 3),
    ("中药材种植", 2),
    ("红色研学", 2),
    ("非遗传承", 2),
    ("黄河流域", 1),
    ("蓄水池", 1),
)
VERBS = ("调研", "督导", "检查", "走访", "慰问", "考察", "主持召开", "出席", "部署", "推进")
WORK = ("会议", "座谈会", "推进会", "现场会", "培训班", "动员大会", "专题会议", "观摩活动")
GOALS = (
    "确保各项任务落地见效",
    "切实把好事办实、实事办好",
    "推动高质量发展迈出新步伐",
    "守牢安全底线",
    "不断增强群众获得感",
    "为全年目标任务完成打下坚实基础",
    "形成齐抓共管的工作格局",
    "以钉钉子精神抓好落实",
)
ACTIONS = (
    "压实工作责任",
    "强化要素保障",
    "加大资金投入",
    "完善工作机制",
    "坚持问题导向",
    "聚焦群众关切",
    "补齐短板弱项",
    "优化服务流程",
    "严格考核问责",
    "深化部门协作",
    "加强宣传引导",
    "拓宽增收渠道",
)
THINGS = ("亩", "个", "户", "人次", "家", "公里", "万元", "座", "项", "吨")
PAPERS = ("交城报", "汾阳日报", "文水报", "清徐时讯", "孝义新闻", "平遥报", "祁县时报", "太谷日报")
END = dt.date(2024, 7, 31)


@dataclass(frozen=True, slots=True)
class Plan:
    articles: int
    issues: int
    papers: tuple[str, ...] = PAPERS

    @property
    def days(self) -> int:
        return -(-self.issues // len(self.papers))


class Writer:
    """Invents prose; one instance, one seed: the same run gives the same store."""

    def __init__(self, seed: int = 15) -> None:
        self.r = random.Random(seed)  # noqa: S311 - invented text, not a secret
        topics, weights = zip(*TOPICS, strict=True)
        self._topics = list(topics)
        self._weights = list(weights)

    def name(self) -> str:
        r = self.r
        given = r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.6 else "")
        return r.choice(SURNAMES) + given

    def place(self) -> str:
        r = self.r
        return r.choice(PLACE_HEADS) + r.choice(PLACE_HEADS) + r.choice(PLACE_TAILS)

    def topic(self) -> str:
        return self.r.choices(self._topics, self._weights)[0]

    def sentence(self, day: dt.date) -> str:
        r, name, place, topic = self.r, self.name, self.place, self.topic
        kinds = (
            lambda: (
                f"{day.month}月{r.randint(1, 28)}日，{r.choice(BODIES)}{r.choice(ROLES)}{name()}"
                f"{r.choice(VERBS)}{place()}{topic()}工作。"
            ),
            lambda: f"{name()}指出，要{r.choice(ACTIONS)}，{r.choice(ACTIONS)}，{r.choice(GOALS)}。",
            lambda: (
                f"今年以来，{place()}围绕{topic()}{r.choice(ACTIONS)}，累计完成{r.randint(2, 9000)}"
                f"{r.choice(THINGS)}，同比增长{r.randint(1, 40)}.{r.randint(0, 9)}%。"
            ),
            lambda: (
                f"{place()}{topic()}项目总投资{r.randint(1, 90)}.{r.randint(0, 9)}亿元，"
                f"建成后可带动{r.randint(20, 3000)}户群众增收。"
            ),
            lambda: (
                f"会上，{r.choice(BODIES)}{name()}通报了{topic()}{r.choice(WORK)}精神，{r.choice(GOALS)}。"
            ),
            lambda: (
                f"{place()}村民{name()}说：“{r.choice(('这几年', '如今', '以前'))}{topic()}让咱们"
                f"{r.choice(('日子越过越红火', '看到了盼头', '心里更踏实了'))}。”"
            ),
            lambda: f"{r.choice(BODIES)}将{r.choice(ACTIONS)}，持续推进{topic()}，{r.choice(GOALS)}。",
        )
        return kinds[r.randrange(len(kinds))]()

    def article(self, index: int, day: dt.date) -> Article:
        r = self.r
        paragraphs = tuple(
            "".join(self.sentence(day) for _ in range(r.randint(2, 5))) for _ in range(r.randint(2, 6))
        )
        headline = (
            f"{self.place()}{self.topic()}{r.choice(('取得新进展', '见实效', '跑出加速度', '再上新台阶'))}"
        )
        writers = (self.name(),) if r.random() < 0.8 else ()
        return Article(
            index=index,
            paragraphs=paragraphs,
            writers=writers,
            dateline="本报讯" if r.random() < 0.7 else None,
            page_headline=headline,
        )

    def summary(self, article: Article) -> Summary:
        first = article.paragraphs[0]
        return Summary(article.page_headline or first[:20], first[:120], "extractive", "passed")


def issues_of(plan: Plan) -> Iterator[tuple[str, dt.date, int]]:
    """(paper, date, how many articles) for every issue: issue sizes vary, the total is exact."""
    sizes = [plan.articles // plan.issues] * plan.issues
    for n in range(plan.articles % plan.issues):
        sizes[n] += 1
    r = random.Random(7)  # noqa: S311 - issue sizes, not a secret
    for n in range(0, plan.issues - 1, 2):  # move articles between pairs: from about half to 1.5 times
        shift = r.randint(0, sizes[n] // 2)
        sizes[n] -= shift
        sizes[n + 1] += shift
    for n, size in enumerate(sizes):
        paper = plan.papers[n % len(plan.papers)]
        yield paper, END - dt.timedelta(days=plan.days - 1 - n // len(plan.papers)), size


def fill(store: Store, plan: Plan, *, subscribers: int = 4, briefing_days: int = 8) -> dict[str, int]:
    """Store ``plan``'s issues day by day, summarise nine articles in ten as each day comes in, and
    brief ``subscribers`` readers (each following one paper, the day's issue only) on the last
    ``briefing_days`` days."""
    writer = Writer()
    people = [
        SubscriberSettings(name=f"reader{n}", papers=[plan.papers[n % len(plan.papers)]], look_back_days=0)
        for n in range(subscribers)
    ]
    counts = {"articles": 0, "summaries": 0, "briefings": 0, "issues": 0}
    day_done: dt.date | None = None
    for paper, day, size in issues_of(plan):
        if day != day_done and day_done is not None:
            _brief(store, day_done, people if END - day_done < dt.timedelta(briefing_days) else [], counts)
        day_done = day
        texts = [writer.article(i + 1, day) for i in range(size)]
        locator = f"{paper}/{day.isoformat()}.txt"
        doc = FetchedDocument(
            "bench", paper, locator, RawInput(locator, b""), day, "第01版", f"https://example.cn/{locator}"
        )
        _, issue_id = store.record_document(doc, f"{paper}{day}", texts, now=_at(day))
        stored = store.issue(issue_id)
        assert stored is not None
        # Nine in ten summarised, as a run of the summariser leaves them (the rest: failed or pending).
        chosen = [(a.article_id, writer.summary(a.article)) for a in stored.articles if a.article_id % 10]
        store.save_summaries(chosen, now=_at(day))
        counts["articles"] += size
        counts["summaries"] += len(chosen)
        counts["issues"] += 1
    if day_done is not None:
        _brief(store, day_done, people, counts)
    return counts


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC)


def _brief(store: Store, day: dt.date, people: list[SubscriberSettings], counts: dict[str, int]) -> None:
    for person in people:
        brief(store, person, day, {}, now=_at(day))
        counts["briefings"] += 1
