"""The WeChat platform's side of the official-account protocol, written from the published spec
and independently of hotline.channels.wechat: signatures, AES safe-mode envelopes, messages."""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import time
from collections.abc import Iterator

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from hotline.channels.settings import ChannelSettings, get_channel_settings

TOKEN = "wxtoken123"
AES_KEY = base64.b64encode(os.urandom(32)).decode().rstrip("=")  # 43 characters
APP_ID = "wx1234567890abcdef"


def configure(app: FastAPI, **cfg: str) -> Iterator[FastAPI]:
    """`app` answering WeChat with our token (plus `cfg`, e.g. the AES key and app id of safe mode),
    for a fixture to yield from."""
    app.dependency_overrides[get_channel_settings] = lambda: ChannelSettings(wechat_token=TOKEN, **cfg)
    yield app
    app.dependency_overrides.clear()


def safe_mode(app: FastAPI) -> Iterator[FastAPI]:
    """`app` with WeChat in safe (AES) mode."""
    yield from configure(app, wechat_aes_key=AES_KEY, wechat_app_id=APP_ID)


def wx_sig(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def wx_encrypt(xml: str) -> str:
    key = base64.b64decode(AES_KEY + "=")
    body = xml.encode()
    plain = os.urandom(16) + struct.pack(">I", len(body)) + body + APP_ID.encode()
    pad = 32 - len(plain) % 32
    plain += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(enc.update(plain) + enc.finalize()).decode()


def wx_decrypt(encrypted: str) -> str:
    key = base64.b64decode(AES_KEY + "=")
    dec = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = dec.update(base64.b64decode(encrypted)) + dec.finalize()
    plain = plain[: -plain[-1]]
    (n,) = struct.unpack(">I", plain[16:20])
    assert plain[20 + n :].decode() == APP_ID
    return plain[20 : 20 + n].decode()


def wx_message(msg_id: str, kind: str, fields: str, user: str = "oUser123") -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[{user}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[{kind}]]></MsgType>"
        f"{fields}<MsgId>{msg_id}</MsgId></xml>"
    )


def wx_text(msg_id: str, content: str) -> str:
    return wx_message(msg_id, "text", f"<Content><![CDATA[{content}]]></Content>")


def wx_query(ts: int | None = None, **extra: str) -> dict[str, str]:
    """Fresh timestamp and nonce per request, as the platform sends them."""
    stamp, nonce = str(ts if ts is not None else int(time.time())), os.urandom(6).hex()
    return {"timestamp": stamp, "nonce": nonce, "signature": wx_sig(TOKEN, stamp, nonce), **extra}


def wx_post_aes(client: TestClient, inner_xml: str, ts: int | None = None) -> Response:
    """A safe-mode push: the message encrypted, wrapped, signed with msg_signature."""
    encrypted = wx_encrypt(inner_xml)
    q = wx_query(ts, encrypt_type="aes")
    q["msg_signature"] = wx_sig(TOKEN, q["timestamp"], q["nonce"], encrypted)
    body = (
        "<xml><ToUserName><![CDATA[gh_account]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>"
    )
    return client.post("/api/channels/wechat", params=q, content=body.encode())
