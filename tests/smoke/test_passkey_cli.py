"""`release-gate passkey --options FILE --origin ORIGIN` (docs/design.md §3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from webauthn import generate_registration_options, options_to_json, verify_registration_response
from webauthn.helpers.structs import COSEAlgorithmIdentifier

from release_gate import cli
from release_gate.smoke.codec import b64url_decode


def _options(**kwargs: object) -> dict:
    return json.loads(options_to_json(generate_registration_options(
        rp_id="raxx.app", rp_name="Raxx", user_name="smoke-test+1@moosequest.net", **kwargs)))


@pytest.mark.parametrize("wrapped", [False, True])
def test_prints_a_credential_that_verifies(wrapped: bool, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    options = _options()
    path = tmp_path / "options.json"
    path.write_text(json.dumps({"publicKey": options} if wrapped else options))
    assert cli.main(["passkey", "--options", str(path), "--origin", "https://raxx.app"]) == 0
    credential = json.loads(capsys.readouterr().out)
    verify_registration_response(credential=credential,
                                 expected_challenge=b64url_decode(options["challenge"]),
                                 expected_rp_id="raxx.app", expected_origin="https://raxx.app",
                                 require_user_verification=True)


def test_refuses_options_without_es256(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "options.json"
    path.write_text(json.dumps(_options(
        supported_pub_key_algs=[COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256])))
    assert cli.main(["passkey", "--options", str(path), "--origin", "https://raxx.app"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "do not allow ES256 (-7): pubKeyCredParams offer [-257]" in captured.err


@pytest.mark.parametrize(("content", "message"), [(None, "cannot read"),
                                                  ("{not json", "is not JSON"),
                                                  ("[1]", "must hold a JSON object")])
def test_bad_options_file(content: str | None, message: str, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "options.json"
    if content is not None:
        path.write_text(content)
    assert cli.main(["passkey", "--options", str(path), "--origin", "https://raxx.app"]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("origin", ["raxx.app", "raxx.app:443", "https://"])
def test_an_origin_without_scheme_or_host_is_refused(origin: str, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    options = tmp_path / "options.json"
    options.write_text(options_to_json(generate_registration_options(
        rp_id="raxx.app", rp_name="Raxx", user_name="a@b.c")), "utf-8")
    assert cli.main(["passkey", "--options", str(options), "--origin", origin]) == 2
    captured = capsys.readouterr()
    assert f"--origin: {origin!r} is not an origin: give scheme and host" in captured.err
    assert captured.out == ""


def test_a_pair_a_browser_refuses_is_refused_and_a_profile_can_be_chosen(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "options.json"
    path.write_text(json.dumps(_options()))
    assert cli.main(["passkey", "--options", str(path), "--origin",
                     "http://localhost:8767"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "a browser on http://localhost:8767 refuses it" in captured.err
    assert cli.main(["passkey", "--options", str(path), "--origin", "https://raxx.app",
                     "--authenticator", "security-key"]) == 0
    credential = json.loads(capsys.readouterr().out)
    assert credential["authenticatorAttachment"] == "cross-platform"
