"""Demo data for `make run`: departments, staff in every role, and ~50 callers with care profiles.

Loaded once (the admin user marks it). Each domain package may add its own demo content in a
`demo.py` module with `load(session, actor)`; they are run after the people data, in name order.
All names, numbers and addresses are fictional. The demo agents' SIP passwords are random per
install (a guessable ``sip<ext>`` let anyone who read the README register as an agent): they are
printed by `hotline demo load` and the `hotline serve` banner, and kept for them in
``<data_dir>/demo-sip-passwords.json`` (owner-only). An install loaded before still holding the
old ``sip<ext>`` passwords gets new ones at the next `hotline demo load`.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import random
import secrets
from pathlib import Path

from sqlalchemy.orm import Session

import hotline
from hotline.audit.service import Actor
from hotline.config import get_settings
from hotline.people.passwords import sip_ha1
from hotline.people.permissions import Role
from hotline.people.schemas import (
    CallerIn,
    CareProfileIn,
    DepartmentIn,
    EmergencyContactIn,
    PhoneIn,
    UserIn,
    UserPatch,
)
from hotline.people.service import (
    create_caller,
    create_department,
    create_user,
    update_user,
    user_by_username,
)
from hotline.store.db import Database

DEMO_ACTOR = Actor(None, "demo")
DEMO_PASSWORD = "demo1234"
DEMO_SIP_FILE = "demo-sip-passwords.json"
# No look-alikes (0/O, 1/l/I): the password is read off a terminal and typed into a phone.
_SIP_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

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


def new_sip_password() -> str:
    """12 characters from the OS random source (~70 bits): out of reach of any guessing."""
    return "".join(secrets.choice(_SIP_ALPHABET) for _ in range(12))


def demo_sip_passwords(data_dir: Path) -> dict[str, str]:
    """Extension -> SIP password generated for the demo agents of this install ({} if none)."""
    try:
        data = json.loads((data_dir / DEMO_SIP_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def save_sip_passwords(data_dir: Path, passwords: dict[str, str]) -> Path:
    """Merge ``passwords`` into the demo SIP password file, readable by its owner only."""
    path = data_dir / DEMO_SIP_FILE
    merged = {**demo_sip_passwords(data_dir), **passwords}
    data_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(dict(sorted(merged.items())), f, indent=1)
    os.replace(tmp, path)
    return path


def rotate_guessable_sip_passwords(session: Session) -> dict[str, str]:
    """Give demo agents still on the old ``sip<ext>`` password a random one (audited as an update)."""
    realm, rotated = get_settings().sip.realm, {}
    for username, _, _, ext, _ in STAFF:
        user = user_by_username(session, username)
        if (
            ext
            and user is not None
            and user.extension == ext
            and user.sip_ha1 == sip_ha1(ext, realm, f"sip{ext}")
        ):
            rotated[ext] = new_sip_password()
            update_user(
                session, DEMO_ACTOR, user.id, UserPatch(sip_password=rotated[ext], version=user.version)
            )
    return rotated


def load_people(session: Session) -> dict[str, str]:
    """Departments, staff and callers; returns the demo extensions' new SIP passwords."""
    sip = {ext: new_sip_password() for _, _, _, ext, _ in STAFF if ext}
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
                sip_password=sip.get(ext) if ext else None,
            ),
        )
    for caller in demo_callers():
        create_caller(session, DEMO_ACTOR, caller)
    return sip


def load_demo(db: Database, force: bool = False, data_dir: Path | None = None) -> tuple[bool, dict[str, str]]:
    """(loaded now, SIP passwords set now); the passwords are also saved in ``data_dir``."""
    with db.session() as session:
        if user_by_username(session, "admin") is not None and not force:
            loaded, sip = False, rotate_guessable_sip_passwords(session)
        else:
            loaded, sip = True, load_people(session)
            for name in _domain_demo_modules():
                importlib.import_module(name).load(session, DEMO_ACTOR)
    if data_dir is not None and sip:
        save_sip_passwords(data_dir, sip)
    return loaded, sip


DEMO_LOGINS = [
    (u, "admin1234" if r is Role.admin else DEMO_PASSWORD, r.value, ext) for u, _, r, ext, _ in STAFF
]
