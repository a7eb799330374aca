"""Deterministic labelled citizen messages for the category suggester: a training corpus and a
separate evaluation set (shipped as tests/fixtures/workorder_suggest_eval.tsv).

Messages are assembled the way citizens talk on the phone: an opener, who it is about, one or
two clauses about the matter, sometimes a detail (place, time, name, phone), sometimes a generic
clause any category could contain (补贴没到账, 办事窗口态度差), and a closing request; varied
punctuation, fillers, typos and full-width digits. Some messages are vague (generic clauses only)
and a few carry another category's label, as agents' labels do. Training corpus and evaluation
set come from the same process with different seeds (as tomorrow's calls resemble yesterday's),
and no evaluation text occurs verbatim in the training corpus.

Run: .venv/bin/python -m bench.suggest_data   (rewrites the fixture; the output is deterministic)
"""

from __future__ import annotations

import random
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "workorder_suggest_eval.tsv"

# category code → clauses about that matter (the last third is evaluation-only wording)
CLAUSES: dict[str, list[str]] = {
    "0101": [
        "居家养老上门服务人员经常迟到",
        "上门护理的阿姨服务时间不够",
        "想申请居家养老服务，不知道找谁",
        "家政护理员打扫卫生很马虎",
        "社区给老人装的紧急呼叫器坏了没人修",
        "居家照护服务的次数被减少了",
        "上门助老员态度很差还顶嘴",
        "政府购买的居家服务时长没有用完就被清零",
        "居家适老化改造什么时候能上门安装扶手",
        "陪护员来了半小时就走了",
        "家里老人需要有人上门陪聊做饭",
        "养老服务站说上门理发要排队一个月",
        "居家养老服务券怎么使用",
        "助老员上门打卡却没干活",
        "家庭养老床位申请了没人来评估",
        "一键呼叫设备按了没有人响应",
    ],
    "0102": [
        "养老院突然涨了床位费",
        "敬老院的护工打骂老人",
        "想给母亲找一家公办养老院，排不上号",
        "养老机构伙食太差老人吃不饱",
        "养老院收了押金不退",
        "民办养老院没有消防通道，很危险",
        "养老机构护理等级评定不合理，多收护理费",
        "老人在养老院摔伤了院方推卸责任",
        "养老院入住合同里有霸王条款",
        "想了解养老院的入住条件和收费",
        "护理院夜里没有值班人员",
        "养老公寓预收了三年的费用现在跑路了",
        "养老机构床位紧张要等半年",
        "院里的护理员一个人要照顾二十个老人",
        "想投诉一家养老中心卫生条件差",
        "敬老院把老人的养老金扣着不给",
    ],
    "0103": [
        "高龄津贴这个月没发",
        "八十岁以上老人的高龄补贴怎么领",
        "护理补贴申请了半年没有批下来",
        "老人过了九十岁津贴标准应该提高",
        "养老服务补贴被停掉了不知道原因",
        "高龄津贴要每年做资格认证吗",
        "失能老人护理补贴标准是多少",
        "异地居住的老人还能领高龄津贴吗",
        "经济困难老人的养老服务补贴怎么申请",
        "百岁老人长寿补贴在哪里申领",
        "老人去世后高龄津贴要退回吗",
        "刷脸认证一直失败，津贴被暂停",
        "父亲满八十了社区说津贴要下个月才开始发",
        "高龄补贴发放金额比去年少了",
        "护理补贴和高龄津贴能不能同时领",
        "补贴卡的钱被银行扣了年费",
    ],
    "0104": [
        "社区助餐点的饭菜太咸",
        "老年食堂离家太远走不过去",
        "想给独居老人订送餐上门",
        "长者饭堂的价格又涨了",
        "助浴服务预约不上",
        "社区食堂中午经常没饭了",
        "助餐补贴只能在指定餐厅用",
        "送餐员把饭送晚了，菜都凉了",
        "老年餐桌的饭菜不新鲜，吃了拉肚子",
        "上门助浴的车一个月才来一次",
        "助餐卡充值不了",
        "长者食堂只收现金不能刷卡",
        "社区老年助餐点突然关门了",
        "助餐服务能不能增加晚餐",
        "助浴员给老人洗澡时水太凉",
        "老年人用餐优惠为什么取消了",
    ],
    "0201": [
        "想申请低保需要什么材料",
        "低保金这个月没有到账",
        "家里低保被取消了，没有通知",
        "低保复核的时候工作人员态度不好",
        "儿子有工作是不是就不能吃低保",
        "低保标准今年调整了吗",
        "举报有人开豪车还领低保",
        "低保申请提交三个月了没有消息",
        "低保户看病能报销多少",
        "离婚后可以单独申请低保吗",
        "低保边缘家庭有什么政策",
        "低保入户调查的人一直没来",
        "最低生活保障金被减少了两百元",
        "户口不在本地能不能申请低保",
        "低保公示名单上有村干部亲戚",
        "低保审批为什么要查银行流水",
    ],
    "0202": [
        "特困人员供养金迟迟没发",
        "五保户老人没人照顾",
        "想把特困老人送去集中供养",
        "特困供养人员生病住院没人陪护",
        "分散供养的特困人员照料护理费太低",
        "特困人员认定需要哪些条件",
        "敬老院集中供养的五保老人吃得很差",
        "特困供养证件丢了怎么补办",
        "特困人员的丧葬费怎么处理",
        "村里的孤寡老人一直没纳入特困供养",
        "特困供养标准比低保高多少",
        "特困老人的房子漏雨没人修",
        "无儿无女的老人能不能申请特困",
        "分散供养的五保户照料人不管事",
        "特困救助供养金被村里扣了",
        "供养服务机构对特困人员不上心",
    ],
    "0203": [
        "家里着火了想申请临时救助",
        "突发重病花光了积蓄，能申请救助吗",
        "临时救助申请了两个月还没批",
        "外地人在本地遇到困难能申请临时救助吗",
        "孩子出车祸医药费付不起",
        "临时救助金额太少不够用",
        "流浪人员需要救助站帮忙送回家",
        "街边有个流浪老人晚上睡在桥洞",
        "失业后交不起房租，有没有救助",
        "急难救助需要什么证明",
        "大病救助和临时救助有什么区别",
        "工地受伤老板跑了想申请救助",
        "救助站不收留醉酒的流浪人员",
        "遭遇洪水房子被冲坏想申请过渡救助",
        "临时救助审核时要求的证明开不出来",
        "家里顶梁柱突然去世生活没着落",
    ],
    "0301": [
        "残疾人两项补贴没有到账",
        "重度残疾人护理补贴怎么申请",
        "困难残疾人生活补贴被停了",
        "残疾证到期了补贴会不会停",
        "二级残疾能领护理补贴吗",
        "残疾人补贴标准什么时候调整",
        "两项补贴申请被退回说材料不全",
        "残疾人生活补贴和低保能同时领吗",
        "智力残疾的孩子补贴怎么没有了",
        "残疾人护理补贴比别人少",
        "残疾等级评定后补贴没变",
        "精神残疾人的生活补贴怎么办理",
        "残疾人补贴发到了已经注销的卡上",
        "肢体残疾三级有没有护理补贴",
        "残联说两项补贴要到民政办",
        "视力残疾补贴好几个月没发",
    ],
    "0302": [
        "孩子的康复训练定点机构预约不上",
        "残疾儿童康复救助的名额满了",
        "康复中心的收费跟说的不一样",
        "想给中风的父亲申请辅具",
        "轮椅申请了半年还没发下来",
        "自闭症孩子的康复补助怎么申请",
        "康复机构的老师不专业",
        "助听器适配要等很久",
        "假肢装配补贴有多少",
        "社区康复站的器械坏了",
        "脑瘫孩子康复训练费用太高",
        "辅具租赁点不给换新的拐杖",
        "康复机构突然停课也不退费",
        "听障儿童人工耳蜗补助怎么申请",
        "精神障碍患者社区康复服务没人管",
        "康复训练的时间安排太少",
    ],
    "0303": [
        "小区无障碍坡道被电动车占用",
        "人行道上的盲道被打断了",
        "公交站没有无障碍设施，轮椅上不去",
        "政务大厅没有无障碍卫生间",
        "无障碍电梯长期停用",
        "盲道上停满了共享单车",
        "地铁站的无障碍通道锁着",
        "坡道太陡轮椅推不上去",
        "新建的小区没有无障碍通道",
        "医院门口的无障碍车位被占了",
        "老小区加装电梯不考虑无障碍",
        "银行网点门口台阶太高坐轮椅进不去",
        "无障碍卫生间被当成杂物间",
        "过街天桥没有坡道残疾人过不去",
        "盲道修到了电线杆上",
        "公园的无障碍坡道被栏杆堵住",
    ],
    "0401": [
        "孤儿基本生活费这个月没发",
        "想了解孤儿养育津贴的标准",
        "事实无人抚养儿童能领生活费吗",
        "孤儿上大学有没有助学补贴",
        "孩子父母双亡，亲戚抚养能申请补助吗",
        "福利院的孩子过得不好",
        "想收养福利院的孩子，流程是什么",
        "孤儿满十八岁后生活费就停了吗",
        "爷爷奶奶带着孤儿生活困难",
        "孤儿医疗费用能报销多少",
        "事实无人抚养儿童认定太难了",
        "儿童福利机构的孩子上学问题",
        "父亲服刑母亲失联的孩子有没有补助",
        "孤儿生活费发放标准比去年低",
        "福利院寄养家庭不给孩子买衣服",
        "收养登记需要准备什么材料",
    ],
    "0402": [
        "邻居家的留守儿童没人照看",
        "村里留守孩子经常逃学",
        "父母在外打工，孩子由老人带着管不了",
        "发现有个孩子被家人打得很厉害",
        "困境儿童能享受什么帮扶",
        "留守儿童心理问题需要有人关心",
        "儿童主任一直没上门走访",
        "有个小孩天天在网吧过夜",
        "困境儿童的基本生活保障怎么申请",
        "孩子被继母虐待，想找人帮忙",
        "留守女童安全没人管",
        "放学后孩子一个人在家很危险",
        "外出务工的父母联系不上孩子",
        "儿童之家晚上不开门",
        "看到有小孩在街上乞讨",
        "重病家庭的孩子没人照料",
    ],
    "0501": [
        "想预约结婚登记，网上约不上",
        "离婚冷静期怎么算",
        "婚姻登记处周末上班吗",
        "补办结婚证需要什么材料",
        "外籍人士在本地结婚登记",
        "婚姻登记员态度不好",
        "户口本丢了还能领证吗",
        "离婚登记预约排到了下个月",
        "情人节那天能不能加号办理结婚",
        "结婚证上的照片印错了",
        "异地婚姻登记在哪里办",
        "颁证大厅能不能自带证婚人",
        "婚姻状况证明怎么开",
        "复婚需要带离婚证吗",
        "领证当天系统故障办不了",
        "婚检是不是必须做",
    ],
    "0502": [
        "殡仪馆乱收费",
        "想了解惠民殡葬补贴怎么申领",
        "公墓价格太贵了",
        "骨灰存放到期了怎么办",
        "殡葬中介强行推销高价骨灰盒",
        "农村乱埋乱葬没人管",
        "遗体接运车半天不来",
        "殡葬服务站的人态度恶劣",
        "生态葬有没有奖励补贴",
        "祭扫预约系统进不去",
        "殡仪馆的告别厅要排队三天",
        "墓地管理费每年都涨",
        "海葬怎么报名",
        "老人去世火化费用能减免吗",
        "有人在山上违规修坟",
        "殡葬用品店价格不透明",
    ],
    "0599": [
        "想咨询最新的民政政策文件",
        "社会组织登记怎么办理",
        "慈善捐款的票据怎么开",
        "地名牌写错了字",
        "志愿者服务时长查不到",
        "社区居委会换届选举有问题",
        "想成立一个老年协会需要什么手续",
        "门牌号码重复，快递送错",
        "社工站的服务不知道怎么申请",
        "有个基金会打着民政的旗号募捐",
        "行政区划调整后地址怎么改",
        "彩票公益金用在了哪里",
        "村务公开栏好几个月没更新",
        "想举报一个非法社会组织",
        "街道名称和地图上的不一致",
        "社区议事会开会从来不通知居民",
    ],
}

# Clauses any matter may carry: they blur the categories as real calls do.
GENERIC = [
    "补贴一直没到账",
    "办事窗口的人态度很差",
    "打了好几次电话都没人接",
    "社区说不归他们管",
    "材料交了好多遍",
    "老人腿脚不方便",
    "家里实在困难",
    "网上办理系统总是出错",
    "工作人员让我们等通知",
    "跑了好几趟都没办成",
]
WHO = [
    "",
    "我父亲",
    "我母亲",
    "我家老人",
    "我们家",
    "邻居大爷",
    "隔壁的阿姨",
    "我自己",
    "我奶奶",
    "我爷爷",
    "我们村里",
    "小区里",
    "我孩子",
    "我弟弟",
    "我一个亲戚",
]
OPENERS = ["", "", "您好，", "你好，", "喂，", "我想问一下，", "麻烦问下，", "我要反映个情况，", "我想投诉，"]
CLOSERS = [
    "",
    "",
    "希望尽快处理",
    "请帮忙查一下",
    "麻烦给个答复",
    "谢谢",
    "要求相关部门核实",
    "已经反映好多次了",
    "希望政府管一管",
    "请尽快回电",
]
DETAILS = [
    "",
    "",
    "",
    "住在{d}{s}",
    "地址是{d}{s}{n}号",
    "上个月的事",
    "已经三个月了",
    "我叫{name}",
    "联系电话{phone}",
    "老人今年{age}岁",
]
DISTRICTS = ["东城区", "西城区", "南湖区", "北山区", "新港区", "高新区"]
STREETS = ["和平路", "建设街", "幸福里", "光明巷", "长寿路", "团结街", "文化路", "向阳社区"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗宋"
GIVEN = ["秀英", "建国", "桂兰", "志强", "玉梅", "国华", "淑珍", "德明", "春花", "海涛"]
FILLERS = ["", "", "", "那个", "就是", "嗯", "反正"]
PUNCT = ["，", "，", ",", " ", "。", "；"]
ENDS = ["。", "！", "", "？", "。。"]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
# Messages that name no matter of their own (only a generic complaint and a person), labelled
# with whichever category the agent chose: irreducible ambiguity, as in real intake.
VAGUE = 0.08
# Share of messages whose recorded category is another one (agents mislabel some orders).
NOISE = 0.03


# Ways of saying the same thing: applied at random, so wording has the long tail real calls have.
VARIANTS: list[tuple[str, list[str]]] = [
    ("老人", ["老年人", "老人家", "长辈", "老人"]),
    ("没有到账", ["没到账", "一直没收到", "迟迟没到", "还没打到卡上"]),
    ("没发", ["没有发", "没发放", "停发了", "还没到"]),
    ("申请", ["申领", "办理", "申报", "申请"]),
    ("怎么", ["如何", "咋", "怎样", "怎么"]),
    ("多少", ["多少钱", "几多", "是多少", "多少"]),
    ("孩子", ["小孩", "娃", "小朋友", "孩子"]),
    ("态度", ["服务态度", "脸色", "态度"]),
    ("太", ["特别", "非常", "实在太", "太"]),
    ("没人", ["没有人", "无人", "没人"]),
    ("需要", ["要", "得", "需要"]),
    ("想", ["想要", "打算", "准备", "想"]),
    ("补贴", ["补助", "补贴款", "补贴"]),
    ("母亲", ["我妈", "老母亲", "母亲"]),
    ("父亲", ["我爸", "老父亲", "父亲"]),
    ("一直", ["总是", "老是", "始终", "一直"]),
    ("很", ["挺", "十分", "相当", "很"]),
    ("被", ["给", "被"]),
    ("能", ["可以", "能不能", "能"]),
]


def _reword(rng: random.Random, clause: str) -> str:
    for word, alternatives in VARIANTS:
        if word in clause and rng.random() < 0.5:
            clause = clause.replace(word, rng.choice(alternatives), 1)
    return clause


def _typos(rng: random.Random, text: str) -> str:
    """Drop or double the odd character, as hurried typing does."""
    out = []
    for ch in text:
        r = rng.random()
        if r < 0.015:
            continue
        out.append(ch + ch if r > 0.99 else ch)
    return "".join(out)


def message(rng: random.Random, code: str) -> str:
    """One message about `code`: one or two of its clauses, perhaps a generic one, a detail."""
    pool = CLAUSES[code]
    if rng.random() < VAGUE:
        body = rng.sample(GENERIC, 2)
    else:
        body = [_reword(rng, rng.choice(pool))]
        if rng.random() < 0.35:
            body.append(_reword(rng, rng.choice(pool)))
        if rng.random() < 0.3:
            body.insert(rng.randrange(len(body) + 1), rng.choice(GENERIC))
    detail = rng.choice(DETAILS).format(
        d=rng.choice(DISTRICTS),
        s=rng.choice(STREETS),
        n=rng.randrange(1, 200),
        name=rng.choice(SURNAMES) + rng.choice(GIVEN),
        phone=f"1{rng.choice('3589')}{rng.randrange(10**9):09d}",
        age=rng.randrange(60, 101),
    )
    parts = [rng.choice(FILLERS) + p for p in body] + [detail, rng.choice(CLOSERS)]
    text = rng.choice(OPENERS) + rng.choice(WHO)
    sep = rng.choice(PUNCT)
    text += _typos(rng, sep.join(p for p in parts if p)) + rng.choice(ENDS)
    if rng.random() < 0.15:
        text = text.translate(FULLWIDTH)
    return text


def corpus(part: str, per_category: int, seed: int) -> list[tuple[str, str]]:
    """(category code, text) pairs, `per_category` of each, deterministic for `part` and `seed`."""
    rng = random.Random(f"{part}-{seed}")
    codes = list(CLAUSES)
    out = []
    for code in codes:
        for _ in range(per_category):
            text = message(rng, code)
            out.append((rng.choice(codes) if rng.random() < NOISE else code, text))
    rng.shuffle(out)
    return out


def training_rows(per_category: int = 200, seed: int = 1) -> list[tuple[str, str]]:
    return corpus("train", per_category, seed)


def evaluation_rows() -> list[tuple[str, str]]:
    """The shipped evaluation set, read back from the fixture."""
    rows = []
    for line in FIXTURE.read_text(encoding="utf-8").splitlines()[1:]:
        code, text = line.split("\t", 1)
        rows.append((code, text))
    return rows


def main() -> None:
    train = {t for _, t in training_rows()}
    rows = [(c, t) for c, t in corpus("eval", 200, 2) if t not in train]
    lines = ["category\ttext"] + [f"{c}\t{t}" for c, t in rows]
    FIXTURE.parent.mkdir(exist_ok=True)
    FIXTURE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(rows)} rows to {FIXTURE}")


if __name__ == "__main__":
    main()
