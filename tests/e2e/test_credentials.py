"""elevatectl with every credential the replaced azure-identity SDK offered, end to end against
the standalone simulator: client secret and certificate (an application: admin reads work,
activation is refused before anything is sent), managed identity (IMDS and App Service
endpoints served by the simulator), the Azure CLI through an `az` stand-in put first on PATH,
and each refusal in plain words."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from elevate_harness import DesktopSession
from elevate_harness.session import SimProcess

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "crates" / "elevate-core" / "tests" / "fixtures"
APP = "6a1e0b7c-2f3d-4c5b-8e9f-0a1b2c3d4e5f"
SECRET = "demo-secret-value-~8Q"
USER_MI = "5eed5eed-aaaa-4bbb-8ccc-dddddddddddd"


@pytest.fixture
def bins() -> dict[str, str]:
    out = {}
    for key, var in (("cli", "ELEVATE_CLI_BIN"), ("sim", "ELEVATE_SIM_BIN")):
        path = os.environ.get(var, "")
        if not path or not Path(path).is_file():
            pytest.fail(f"{var} must name the built binary: run through `make test`")
        out[key] = path
    return out


class Cli:
    def __init__(self, desktop: DesktopSession, sim: SimProcess, binary: str) -> None:
        self.desktop, self.sim, self.binary = desktop, sim, binary
        self.env = dict(sim.env())

    def __call__(self, *args: str, env: dict[str, str] | None = None, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        return self.desktop.run_command([self.binary, *args], env={**self.env, **(env or {})}, timeout=timeout,
                                        name="elevatectl-credentials")

    def json(self, *args: str, env: dict[str, str] | None = None) -> dict:
        out = self(*args, "--json", env=env)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    def sent(self) -> int:
        return len(self.sim.control("GET", "requests"))


@pytest.fixture
def cli(desktop: DesktopSession, bins: dict[str, str]) -> Cli:
    sim = desktop.start_sim(bins["sim"], "--scenario", "demo", "--auto-sign-in")
    return Cli(desktop, sim, bins["cli"])


def secret_env(secret: str = SECRET) -> dict[str, str]:
    return {"AZURE_CLIENT_ID": APP, "AZURE_CLIENT_SECRET": secret}


def test_client_secret_reads_as_an_application_and_refuses_activation_before_sending(cli: Cli) -> None:
    who = cli.json("--auth", "client-secret", "whoami", env=secret_env())
    assert who["method"] == "client-secret" and who["appOnly"] is True and who["clientId"] == APP
    roles = cli.json("--auth", "client-secret", "roles", "--plane", "entra", env=secret_env())
    assert any(r["name"] == "Global Administrator" for r in roles["roles"]) and roles["failures"] == []
    before = cli.sent()
    out = cli("--auth", "client-secret", "activate", "User Administrator", "-j", "x", env=secret_env())
    assert out.returncode == 2, out.stderr
    assert "need a user" in out.stderr and "--auth browser" in out.stderr
    assert cli.sent() == before, "nothing was sent"
    # The secret appears in no output.
    log = (cli.desktop.artifacts / "elevatectl-credentials.log").read_text()
    assert SECRET not in log.replace(f"AZURE_CLIENT_SECRET={SECRET}", "")


def test_a_bad_secret_is_explained_with_its_code(cli: Cli) -> None:
    out = cli("--auth", "client-secret", "roles", "--plane", "entra", "--json", env=secret_env("nope"))
    assert out.returncode == 4
    failure = json.loads(out.stdout)["failures"][0]["error"]
    assert failure["code"] == "AADSTS7000215" and "Value" in failure["message"]


def test_client_certificate_and_its_refusals(cli: Cli, tmp_path: Path) -> None:
    env = {"AZURE_CLIENT_ID": APP, "AZURE_CLIENT_CERTIFICATE_PATH": str(FIXTURES / "app-cert-and-key.pem")}
    roles = cli.json("--auth", "client-certificate", "roles", "--plane", "entra", env=env)
    assert roles["failures"] == []
    encrypted = {**env, "AZURE_CLIENT_CERTIFICATE_PATH": str(FIXTURES / "app-cert-encrypted.pem")}
    out = cli("--auth", "client-certificate", "whoami", env=encrypted)
    assert out.returncode != 0 and "openssl pkcs8" in out.stderr
    missing = {"AZURE_CLIENT_ID": APP}
    out = cli("--auth", "client-certificate", "whoami", env=missing)
    assert out.returncode == 2 and "AZURE_CLIENT_CERTIFICATE_PATH" in out.stderr


def test_managed_identity_from_imds_and_app_service(cli: Cli) -> None:
    ident = cli.sim.control("GET", "identity")
    imds = {"ELEVATE_IMDS_ENDPOINT": ident["imdsEndpoint"]}
    who = cli.json("--auth", "managed-identity", "whoami", env=imds)
    assert who["method"] == "managed-identity" and who["appOnly"] is True
    assert cli.json("--auth", "managed-identity", "roles", "--plane", "entra", env=imds)["failures"] == []
    user = cli.json("--auth", "managed-identity", "roles", "--plane", "entra", env={**imds, "AZURE_CLIENT_ID": USER_MI})
    assert user["failures"] == []
    app_service = {"IDENTITY_ENDPOINT": ident["identityEndpoint"], "IDENTITY_HEADER": ident["identityHeader"]}
    assert cli.json("--auth", "managed-identity", "roles", "--plane", "entra", env=app_service)["failures"] == []
    # No IMDS here: said as that, with what to do.
    out = cli("--auth", "managed-identity", "login", env={"ELEVATE_IMDS_ENDPOINT": "http://127.0.0.1:9/metadata/identity/oauth2/token"})
    assert out.returncode != 0 and "cannot be reached" in out.stderr and "--auth" in out.stderr


def test_azure_cli_credential_through_the_az_stand_in(cli: Cli) -> None:
    path = f"{FIXTURES / 'bin'}:{os.environ.get('PATH', '')}"
    az = {"PATH": path, "ELEVATE_SIM_URL": cli.sim.url}
    out = cli("--auth", "azure-cli", "whoami", env=az)
    assert out.returncode == 5 and "az login --tenant" in out.stderr, out.stderr
    logged_in = {**az, "AZ_STANDIN_USER": "alex@contoso.example"}
    who = cli.json("--auth", "azure-cli", "whoami", env=logged_in)
    assert who["username"] == "alex@contoso.example" and who["method"] == "azure-cli" and who["appOnly"] is False
    listed = cli.json("--auth", "azure-cli", "list", "--plane", "azure", env=logged_in)
    assert listed and all(a["plane"] == "azureResource" for a in listed)
    # Tokens from az are not kept by Elevate.
    assert cli.desktop.secrets.search({"service": "elevate"}) == []
    other = {**logged_in, "AZ_STANDIN_TENANT": "11111111-2222-4333-8444-555555555555"}
    out = cli("--auth", "azure-cli", "whoami", env=other)
    assert out.returncode == 5 and "not signed in to tenant" in out.stderr
    missing = {"PATH": "/nonexistent"}
    out = cli("--auth", "azure-cli", "whoami", env=missing)
    assert out.returncode != 0 and "not installed" in out.stderr


def test_an_unknown_auth_method_is_refused_by_name(cli: Cli) -> None:
    out = cli("--auth", "password", "whoami")
    assert out.returncode == 2 and "managed-identity" in out.stderr
