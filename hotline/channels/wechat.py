"""WeChat official account (公众号) server protocol: URL verification, XML messages, passive
replies, and the AES "safe mode" (消息加解密), implemented from the published spec with
`cryptography`.

- Signature: sha1 of the sorted concatenation of token, timestamp, nonce (plain mode), plus the
  `Encrypt` text (`msg_signature`, safe mode).
- Safe mode: AES-256-CBC, key = base64(EncodingAESKey + "="), IV = the key's first 16 bytes,
  PKCS#7 padding to 32-byte blocks; plaintext = 16 random bytes + 4-byte big-endian length +
  message XML + AppID. The reply is encrypted the same way and wrapped with its own signature.
- WeChat retries a message three times if it gets no answer within 5 s; MsgId makes the retries
  duplicates the inbox ignores.
- In plain mode the signature covers only token, timestamp and nonce, not the body: a captured
  URL would sign any body. So the timestamp must be within a window (±300 s) and a (timestamp,
  nonce) pair, once seen, only ever signs the same body again (WeChat's own retries; see
  `nonces.py`); when AES mode is configured a plaintext body is refused outright.
- The XML parser refuses any DTD or entity declaration whatever the document's encoding (a UTF-16
  document hid `<!DOCTYPE` from a byte search and expanded 1 KB into a 1 MB order), and caps text.
- Voice (with WeChat's `Recognition` text) and image messages are intake like text: the order
  gets the recognised text or a note, with the MediaId / PicUrl to fetch the media.
"""

from __future__ import annotations

import base64
import hashlib
import os
import struct
import time
from xml.parsers import expat
from xml.sax.saxutils import escape

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from hotline.errors import Invalid, Unauthorized

BLOCK = 32
MAX_XML = 64 * 1024  # bytes of one (decrypted) message
MAX_TEXT = 8 * 1024  # characters of text in one message, all fields together (far above any real message)


def signature(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def check_signature(token: str, sig: str | None, *parts: str) -> None:
    if not token:
        raise Unauthorized("the WeChat channel is not configured", "微信渠道未配置")
    if not sig or signature(token, *parts) != sig:
        raise Unauthorized("bad WeChat signature", "微信签名错误")


def check_timestamp(timestamp: str, now: float, window: int) -> None:
    try:
        ts = int(timestamp)
    except ValueError as exc:
        raise Unauthorized("bad WeChat timestamp", "微信时间戳无效") from exc
    if abs(now - ts) > window:
        raise Unauthorized("WeChat request outside the replay window", "微信请求已过期")


class _Refused(Exception):
    pass


def parse_xml(data: bytes) -> dict[str, str]:
    """The root's child elements as {tag: text}. Expat reads the document in whatever encoding it
    declares, and the handlers below refuse a DTD or entity declaration before it can expand."""
    if len(data) > MAX_XML:
        raise Invalid("WeChat message too large", "报文过大")
    fields: dict[str, str] = {}
    state = {"depth": 0, "text": 0}
    current: list[str] = []
    buf: list[str] = []

    def refuse(*_: object) -> int:
        raise _Refused("DTDs and entities are not allowed")

    def start(name: str, attrs: object) -> None:
        state["depth"] += 1
        if state["depth"] == 2:
            current[:] = [name]
            buf.clear()

    def end(name: str) -> None:
        if state["depth"] == 2 and current:
            fields[current[0]] = "".join(buf)
        state["depth"] -= 1

    def chars(text: str) -> None:
        state["text"] += len(text)
        if state["text"] > MAX_TEXT:
            raise _Refused("too much text")
        if state["depth"] >= 2:
            buf.append(text)

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise Invalid(f"WeChat XML refused: {exc}", "报文格式错误：不允许 DTD/实体或内容过长") from exc
    except (expat.ExpatError, ValueError, LookupError) as exc:  # ValueError: an encoding expat lacks
        raise Invalid("malformed XML", "报文格式错误") from exc
    return fields


def message_text(fields: dict[str, str]) -> str | None:
    """What a citizen's message says, for the order; None for events (subscribe, menu clicks)."""
    kind = fields.get("MsgType", "")
    media = fields.get("MediaId", "")
    if kind == "text":
        return fields.get("Content", "")
    if kind == "voice":
        said = fields.get("Recognition", "").strip()
        note = f"[语音留言 MediaId: {media}，格式: {fields.get('Format', '')}]"
        return f"{said}\n{note}" if said else f"（语音留言，未能识别文字）\n{note}"
    if kind == "image":
        return f"（图片留言）\n[图片 PicUrl: {fields.get('PicUrl', '')} MediaId: {media}]"
    if kind in ("video", "shortvideo"):
        return f"（视频留言）\n[视频 MediaId: {media}]"
    if kind == "location":
        x, y = fields.get("Location_X", ""), fields.get("Location_Y", "")
        return f"（位置）{fields.get('Label', '')} [{x},{y}]"
    if kind == "link":
        return f"（链接）{fields.get('Title', '')}\n{fields.get('Url', '')}"
    return None


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text_reply(to_user: str, from_user: str, content: str, now: int | None = None) -> str:
    return (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{now or int(time.time())}</CreateTime><MsgType>{_cdata('text')}</MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )


class Crypto:
    """WXBizMsgCrypt: encrypt/decrypt message bodies for one account."""

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        if len(encoding_aes_key) != 43:
            raise ValueError("EncodingAESKey has 43 characters")
        self.token = token
        self.key = base64.b64decode(encoding_aes_key + "=")
        self.app_id = app_id

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16]))

    def encrypt(self, xml: str, random16: bytes | None = None) -> str:
        body = xml.encode()
        plain = (random16 or os.urandom(16)) + struct.pack(">I", len(body)) + body + self.app_id.encode()
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        enc = self._cipher().encryptor()
        return base64.b64encode(enc.update(plain) + enc.finalize()).decode()

    def decrypt(self, encrypted: str) -> str:
        try:
            raw = base64.b64decode(encrypted, validate=True)
            if not raw or len(raw) % 16:
                raise ValueError("length")
            dec = self._cipher().decryptor()
            plain = dec.update(raw) + dec.finalize()
            pad = plain[-1]
            if not 1 <= pad <= BLOCK:
                raise ValueError("padding")
            plain = plain[:-pad]
            (length,) = struct.unpack(">I", plain[16:20])
            xml, app_id = plain[20 : 20 + length], plain[20 + length :]
        except (ValueError, struct.error) as exc:
            raise Invalid("cannot decrypt the WeChat message", "微信消息解密失败") from exc
        if app_id.decode(errors="replace") != self.app_id:
            raise Unauthorized("WeChat message for another AppID", "微信消息 AppID 不符")
        return xml.decode()

    def wrap_reply(self, xml: str, timestamp: str, nonce: str) -> str:
        encrypted = self.encrypt(xml)
        sig = signature(self.token, timestamp, nonce, encrypted)
        return (
            f"<xml><Encrypt>{_cdata(encrypted)}</Encrypt><MsgSignature>{_cdata(sig)}</MsgSignature>"
            f"<TimeStamp>{escape(timestamp)}</TimeStamp><Nonce>{_cdata(nonce)}</Nonce></xml>"
        )
