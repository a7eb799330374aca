"""What the call center needs from the telephony engine, as typing Protocols.

`hotline.sip.engine.TelephonyEngine`, its `Leg` and its `Call` satisfy these structurally; unit
tests of the call center's routing logic use a small in-memory double instead. Keeping the
surface this small is also the contract with the engine: originate, answer, play, collect digits,
bridge, hold, record, conference and hang up, plus bus events.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, Protocol


class CallPort(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def legs(self) -> Sequence[Any]: ...

    hangup_bridged_peer: bool
    end_with_caller: bool

    def bridge(self, a: Any, b: Any) -> None: ...

    def unbridge(self, leg: Any) -> None: ...

    def record(self, path: Path | None = None, metadata: dict[str, Any] | None = None) -> Path: ...

    def join(self, leg: Any, role: str = "third", mode: str = "full") -> None: ...

    def set_mode(self, leg: Any, mode: str) -> None: ...

    def on_peer_hangup(self, leg: Any, then: Callable[[Any], Coroutine[Any, Any, Any]]) -> None:
        """Once, when the leg bridged to `leg` hangs up: run ``then(ended_leg)`` instead of
        hanging `leg` up with it (hangup_bridged_peer); `then` hangs `leg` up when done."""
        ...

    async def hangup(self, cause: str = "normal") -> None: ...


class LegPort(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def call(self) -> Any: ...

    @property
    def caller(self) -> str: ...

    @property
    def dialed(self) -> str: ...

    @property
    def cause(self) -> str: ...

    @property
    def is_active(self) -> bool: ...

    @property
    def ended(self) -> asyncio.Event: ...

    async def answer(self) -> None: ...

    async def ring(self) -> None: ...

    async def play(self, prompt: str | Path, *, wait: bool = True, loop: bool = False) -> None: ...

    async def play_moh(self) -> None: ...

    def stop_playback(self) -> None: ...

    def flush_digits(self) -> None: ...

    async def collect_digits(
        self,
        max_digits: int = 1,
        timeout: float = 5.0,
        terminators: str = "#",
        first_timeout: float | None = None,
    ) -> str: ...

    async def wait_answered(self, timeout: float | None = None) -> bool: ...

    async def hold(self) -> None: ...

    async def unhold(self) -> None: ...

    async def hangup(self, cause: str = "normal") -> None: ...


class EnginePort(Protocol):
    on_inbound: Callable[[Any], Awaitable[None]] | None

    async def originate(
        self,
        target: str,
        *,
        call: Any = None,
        caller_id: str = "hotline",
        display: str = "",
        headers: Sequence[tuple[str, str]] = (),
        binding: Any = None,
    ) -> Any: ...

    def resolve(self, target: str) -> Any:
        """Where `target` would be sent; raises LookupError when there is no route to it."""
        ...

    def contacts(self, extension: str) -> Sequence[Any]:
        """The registered contacts (bindings) of an extension, most recent first."""
        ...
