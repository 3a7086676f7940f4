"""The managed-settings templates shipped for administrators: the Group Policy ADMX/ADML pair
is well-formed and every reference in it resolves, the sample .mobileconfig is a valid
profile of managed preferences for the app's bundle identifier, and each covers every key the
policy module (crates/elevate-core/src/managed/mod.rs) documents, with registry values of
the kind the module reads."""

from __future__ import annotations

import json
import plistlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NS = {"p": "http://schemas.microsoft.com/GroupPolicy/2006/07/PolicyDefinitions"}
BASE = r"Software\Policies\Elevate"


def policy_keys() -> dict[str, str]:
    """Every key of `managed::KEYS` and its kind (Bool, Number, Text, List)."""
    source = (ROOT / "crates/elevate-core/src/managed/mod.rs").read_text()
    table = source.split("pub const KEYS", 1)[1].split("];", 1)[0]
    keys = dict(re.findall(r'\("([a-z_]+)",\s*Kind::(\w+),', table))
    assert len(keys) >= 14, keys
    return keys


def bundle_identifier() -> str:
    return json.loads((ROOT / "tauri.conf.json").read_text())["identifier"]


def admx() -> ET.Element:
    return ET.parse(ROOT / "packaging/windows/elevate.admx").getroot()


def adml() -> ET.Element:
    return ET.parse(ROOT / "packaging/windows/en-US/elevate.adml").getroot()


def ref(text: str | None, kind: str) -> str:
    m = re.fullmatch(rf"\$\({kind}\.([A-Za-z0-9_]+)\)", text or "")
    assert m, f"{text!r} is not a $({kind}.…) reference"
    return m.group(1)


def test_admx_and_adml_are_well_formed_and_every_reference_resolves() -> None:
    root, res = admx(), adml()
    assert root.tag == f"{{{NS['p']}}}policyDefinitions"
    assert res.tag == f"{{{NS['p']}}}policyDefinitionResources"
    strings = {s.get("id") for s in res.iterfind(".//p:stringTable/p:string", NS)}
    presentations = {p.get("id"): p for p in res.iterfind(".//p:presentationTable/p:presentation", NS)}
    categories = {c.get("name") for c in root.iterfind(".//p:categories/p:category", NS)}
    supported = {d.get("name") for d in root.iterfind(".//p:supportedOn/p:definitions/p:definition", NS)}
    for c in root.iterfind(".//p:categories/p:category", NS):
        assert ref(c.get("displayName"), "string") in strings
        for parent in c.iterfind("p:parentCategory", NS):
            assert parent.get("ref") in categories
    for d in root.iterfind(".//p:supportedOn/p:definitions/p:definition", NS):
        assert ref(d.get("displayName"), "string") in strings
    policies = list(root.iterfind(".//p:policies/p:policy", NS))
    assert policies
    names = [p.get("name") for p in policies]
    assert len(names) == len(set(names)), "policy names are unique"
    for p in policies:
        name = p.get("name")
        assert p.get("class") in ("Machine", "User", "Both"), name
        assert p.get("key") == BASE, name
        assert ref(p.get("displayName"), "string") in strings, name
        assert ref(p.get("explainText"), "string") in strings, name
        assert p.find("p:parentCategory", NS).get("ref") in categories, name
        assert p.find("p:supportedOn", NS).get("ref") in supported, name
        elements = p.find("p:elements", NS)
        if elements is None:
            assert p.get("valueName"), f"{name} writes a value"
            assert p.get("presentation") is None
            continue
        pres = presentations[ref(p.get("presentation"), "presentation")]
        ids = {e.get("id") for e in elements}
        refs = {c.get("refId") for c in pres}
        assert ids == refs, f"{name}: elements {ids} and presentation {refs}"
    # Every presentation is used.
    used = {ref(p.get("presentation"), "presentation") for p in policies if p.get("presentation")}
    assert used == set(presentations)


def registry_values() -> dict[str, str]:
    """Registry value (or list subkey) name → the kind the ADMX writes."""
    out: dict[str, str] = {}
    for p in admx().iterfind(".//p:policies/p:policy", NS):
        if p.get("valueName"):
            assert p.find("p:enabledValue/p:decimal", NS) is not None
            out[p.get("valueName")] = "Bool"
        for e in p.iterfind("p:elements/*", NS):
            tag = e.tag.split("}")[1]
            if tag == "list":
                assert e.get("key", "").startswith(BASE + "\\")
                out[e.get("key").rsplit("\\", 1)[1]] = "List"
            else:
                out[e.get("valueName")] = {"text": "Text", "decimal": "Number"}[tag]
    return out


def test_every_policy_key_is_in_the_admx_with_its_kind() -> None:
    assert registry_values() == policy_keys()


def test_the_mobileconfig_is_managed_preferences_for_the_bundle_identifier() -> None:
    with open(ROOT / "packaging/macos/elevate.mobileconfig", "rb") as f:
        profile = plistlib.load(f)
    assert profile["PayloadType"] == "Configuration"
    assert profile["PayloadVersion"] == 1
    for field in ("PayloadIdentifier", "PayloadUUID", "PayloadDisplayName"):
        assert profile[field]
    [payload] = profile["PayloadContent"]
    assert payload["PayloadType"] == "com.apple.ManagedClient.preferences"
    for field in ("PayloadIdentifier", "PayloadUUID", "PayloadVersion"):
        assert payload[field]
    assert payload["PayloadUUID"] != profile["PayloadUUID"]
    domains = payload["PayloadContent"]
    assert list(domains) == [bundle_identifier()] == ["dev.elevate.Elevate"]
    [forced] = domains[bundle_identifier()]["Forced"]
    settings = forced["mcx_preference_settings"]
    keys = policy_keys()
    assert set(settings) == set(keys)
    python_kind = {"Bool": bool, "Number": int, "Text": str, "List": list}
    for key, value in settings.items():
        assert isinstance(value, python_kind[keys[key]]), key
        if isinstance(value, list):
            assert value and all(isinstance(v, str) for v in value), key


def test_the_sample_policy_json_and_the_readme_name_every_key() -> None:
    sample = json.loads((ROOT / "packaging/linux/policy.json").read_text())
    assert set(sample) == set(policy_keys())
    readme = (ROOT / "README.md").read_text()
    for key in policy_keys():
        assert f"`{key}`" in readme, key
