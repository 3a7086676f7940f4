"""Reads the Secret Service (gnome-keyring) over D-Bus, as any other client would, so tests
can check what Elevate stored and that sign-out removed it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dbus_next import Message, MessageType, Variant

if TYPE_CHECKING:
    from .session import DesktopSession

BUS = "org.freedesktop.secrets"
ROOT = "/org/freedesktop/secrets"


@dataclass
class SecretItem:
    path: str
    label: str
    attributes: dict[str, str]
    secret: bytes


class SecretService:
    def __init__(self, session: "DesktopSession") -> None:
        self._session = session

    def _call(self, path: str, iface: str, member: str, sig: str = "", body: list[Any] | None = None) -> list[Any]:
        reply = self._session.run(self._session.bus.call(Message(
            destination=BUS, path=path, interface=iface, member=member, signature=sig, body=body or [])))
        if reply.message_type == MessageType.ERROR:
            raise AssertionError(f"Secret Service {member} failed: {reply.error_name}: {reply.body}")
        return reply.body

    def store(self, label: str, attributes: dict[str, str], secret: bytes) -> str:
        """Stores an item in the default collection (for tests that seed the keyring)."""
        session_path = self._open_session()
        props = {"org.freedesktop.Secret.Item.Label": Variant("s", label),
                 "org.freedesktop.Secret.Item.Attributes": Variant("a{ss}", attributes)}
        body = self._call(f"{ROOT}/aliases/default", "org.freedesktop.Secret.Collection", "CreateItem",
                          "a{sv}(oayays)b", [props, [session_path, b"", secret, "text/plain"], True])
        return body[0]

    def search(self, attributes: dict[str, str] | None = None) -> list[SecretItem]:
        """Items whose attributes include `attributes` (all items when empty)."""
        unlocked, locked = self._call(ROOT, "org.freedesktop.Secret.Service", "SearchItems", "a{ss}",
                                      [attributes or {}])
        if locked:
            raise AssertionError(f"the test keyring has locked items: {locked}")
        if not unlocked:
            return []
        session_path = self._open_session()
        secrets = self._call(ROOT, "org.freedesktop.Secret.Service", "GetSecrets", "aoo",
                             [unlocked, session_path])[0]
        items = []
        for path in unlocked:
            if path not in secrets:
                continue  # deleted between the search and now
            try:
                props = self._call(path, "org.freedesktop.DBus.Properties", "GetAll", "s",
                                   ["org.freedesktop.Secret.Item"])[0]
            except AssertionError as err:
                if "does not exist" in str(err):
                    continue  # deleted between the search and now
                raise
            items.append(SecretItem(path=path, label=props["Label"].value,
                                    attributes=dict(props["Attributes"].value),
                                    secret=bytes(secrets[path][2])))
        return items

    def _open_session(self) -> str:
        return self._call(ROOT, "org.freedesktop.Secret.Service", "OpenSession", "sv",
                          ["plain", Variant("s", "")])[1]
