"""Demo data for `make run`: departments, staff in every role, and ~50 callers with care profiles.

Loaded once (the admin user marks it). Each domain package may add its own demo content in a
`demo.py` module with `load(session, actor)`; they are run after the people data, in name order.
All names, numbers and addresses are fictional.
"""

from __future__ import annotations

import importlib
import pkgutil
import random

from sqlalchemy.orm import Session

import hotline
from hotline.audit.service import Actor
from hotline.people.permissions import Role
from hotline.people.schemas import CallerIn, CareProfileIn, DepartmentIn, EmergencyContactIn, PhoneIn, UserIn
from hotline.people.service import create_caller, create_department, create_user, user_by_username
from hotline.store.db import Database

DEMO_ACTOR = Actor(None, "demo")
DEMO_PASSWORD = "demo1234"

DEPARTMENTS = [
    ("MZJ", "市民政局"),
    ("YLFWC", "养老服务处"),
    ("SHJZC", "社会救助处"),
    ("CLFLC", "残疾人福利处（市残联）"),
    ("ETFLC", "儿童福利处"),
    ("SHSWC", "社会事务处"),
    ("JDBSC", "街道办事处（示例）"),
]

# (username, display name, role, extension, department code)
STAFF = [
    ("admin", "系统管理员", Role.admin, None, None),
    ("banzhang", "王班长", Role.supervisor, "1900", None),
    ("agent1", "李话务员", Role.agent, "1001", None),
    ("agent2", "张话务员", Role.agent, "1002", None),
    ("agent3", "刘话务员", Role.agent, "1003", None),
    ("agent4", "陈话务员", Role.agent, "1004", None),
    ("zhijian", "赵质检员", Role.qa_inspector, None, None),
    ("yanglao", "养老服务处承办人", Role.department_handler, None, "YLFWC"),
    ("jiuzhu", "社会救助处承办人", Role.department_handler, None, "SHJZC"),
    ("fenxi", "孙分析员", Role.analyst, None, None),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"
GIVEN = ["秀英", "桂兰", "玉珍", "建国", "国华", "淑珍", "志强", "丽华", "德明", "凤英", "文彬", "金花"]
DISTRICTS = ["东城区", "西城区", "南湖区", "北山区", "新港区", "高新区"]
STREETS = ["和平路", "建设街", "幸福里", "光明巷", "长寿路", "团结街", "文化路"]
RELATIONS = ["儿子", "女儿", "儿媳", "女婿", "孙子", "侄女", "邻居"]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(rng: random.Random, birth_year: int) -> str:
    """A fictional but well-formed mainland ID number (valid check digit)."""
    body = f"{rng.choice(['110105', '310104', '440106', '510107'])}{birth_year}"
    body += f"{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True)) % 11]
    return body + check


def demo_callers(count: int = 50, seed: int = 20261124) -> list[CallerIn]:
    rng = random.Random(seed)
    callers = []
    for i in range(count):
        age = rng.randint(60, 95) if i % 5 else rng.randint(25, 59)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        district = rng.choice(DISTRICTS)
        care = None
        if age >= 70 or i % 7 == 0:
            care = CareProfileIn(
                living_alone=rng.random() < 0.4,
                age=age,
                disability_level=rng.choice([None, None, "二级肢体", "三级视力", "一级智力"]),
                assistance_status=rng.choice([None, "低保", "特困供养", "临时救助"]),
                health_notes=rng.choice([None, "高血压", "糖尿病，行动不便", "独居，听力较差"]),
                priority_level=3 if age >= 85 else 2 if age >= 80 else 1,
            )
        contacts = [
            EmergencyContactIn(
                name=name[0] + rng.choice(GIVEN),
                relation=rng.choice(RELATIONS),
                phone=f"139{rng.randint(10_000_000, 99_999_999)}",
            )
            for _ in range(rng.randint(0, 2) if care else 0)
        ]
        phones = [PhoneIn(number=f"138{10_000_000 + i * 7919:08d}", label="手机")]
        if i % 4 == 0:
            phones.append(PhoneIn(number=f"0571{80_000_000 + i:08d}", label="座机"))
        callers.append(
            CallerIn(
                name=name,
                id_number=id_number(rng, 2026 - age),
                gender=rng.choice(["男", "女"]),
                address=f"{district}{rng.choice(STREETS)}{rng.randint(1, 200)}号{rng.randint(1, 6)}单元",
                district=district,
                phones=phones,
                care_profile=care,
                emergency_contacts=contacts,
            )
        )
    return callers


def _domain_demo_modules() -> list[str]:
    names = []
    for mod in sorted(pkgutil.iter_modules(hotline.__path__), key=lambda m: m.name):
        if mod.ispkg:
            try:
                importlib.import_module(f"hotline.{mod.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"hotline.{mod.name}.demo":
                    raise
                continue
            names.append(f"hotline.{mod.name}.demo")
    return names


def load_people(session: Session) -> None:
    deps = {}
    for code, name in DEPARTMENTS:
        deps[code] = create_department(session, DEMO_ACTOR, DepartmentIn(code=code, name=name))
    for username, display, role, ext, dep in STAFF:
        create_user(
            session,
            DEMO_ACTOR,
            UserIn(
                username=username,
                display_name=display,
                password="admin1234" if role is Role.admin else DEMO_PASSWORD,
                role=role,
                department_id=deps[dep].id if dep else None,
                extension=ext,
                sip_password=f"sip{ext}" if ext else None,
            ),
        )
    for caller in demo_callers():
        create_caller(session, DEMO_ACTOR, caller)


def load_demo(db: Database, force: bool = False) -> bool:
    with db.session() as session:
        if user_by_username(session, "admin") is not None and not force:
            return False
        load_people(session)
        for name in _domain_demo_modules():
            importlib.import_module(name).load(session, DEMO_ACTOR)
    return True


DEMO_LOGINS = [
    (u, "admin1234" if r is Role.admin else DEMO_PASSWORD, r.value, ext) for u, _, r, ext, _ in STAFF
]
