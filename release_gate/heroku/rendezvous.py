"""Our client for a one-off dyno's rendezvous (`attach_url`), as the Heroku CLI's `run` speaks it.

The protocol (heroku/cli, `lib/run/dyno.ts`): open TLS to the attach URL's host and port, write
the URL's path without its leading "/" (the secret, plus any query) and "\\r\\n"; the first line
back is the acknowledgement ("rendezvous"); everything after it is the process's output until
the connection closes. `heroku run --exit-code` appends
` ; echo "\\uFFFF heroku-command-exit-status: $?"` to the command (the space before `;`
keeps the first token a bare process type the runtime can resolve) and reads the exit status
with an unanchored regex: a command whose last write has no newline puts the marker mid-line.
A connection closed before the acknowledgement is a dyno that did not boot (its command never
ran), like one that does not acknowledge in time.

Why not heroku3's `Rendezvous`: it pins a CA file from 2020 instead of normal verification, has
a fixed 29 s timeout, reports no exit status, drops output that arrives in the same TLS record
as the acknowledgement, and mishandles SSL errors. Here: normal certificate verification
(trust from REQUESTS_CA_BUNDLE / SSL_CERT_FILE, like the API), a bounded wait for the dyno to
boot and for the command to finish, only the acknowledgement *line* skipped, output capped in
memory, and one clear error per way it can go wrong.
"""

from __future__ import annotations

import re
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from release_gate.errors import HerokuError
from release_gate.heroku.brief import brief

EXIT_MARKER = "\uffff heroku-command-exit-status:"
_EXIT_LINE = re.compile(r"\uffff heroku-command-exit-status: (\d+)[ \t]*(?:\r?\n|$)")
_EXIT_LINE_DONE = re.compile(rb"\xef\xbf\xbf heroku-command-exit-status: \d+[ \t]*\r?\n")
ACK = b"rendezvous"
MAX_OUTPUT = 1024 * 1024  # bytes kept of a dyno's output (its tail: the exit status is last)
MAX_ACK_LINE = 4096


@dataclass(frozen=True)
class DynoResult:
    exit_code: int
    output: str  # stdout and stderr as the dyno sent them ("\r\n" made "\n"), marker removed


class RendezvousError(HerokuError):
    """A one-off dyno could not be attached to or did not finish; `kind` says how."""

    kind = "rendezvous"
    timed_out = False


class DynoBootTimeout(RendezvousError):
    kind = "boot-timeout"
    timed_out = True


class DynoBootFailed(RendezvousError):
    """The rendezvous closed before the acknowledgement: the dyno never ran the command."""

    kind = "boot-failed"


class UnsupportedAttach(RendezvousError):
    """An attach URL this client does not speak (Private Spaces: `https://`, over SSH)."""

    kind = "unsupported"


class DynoTimeout(RendezvousError):
    kind = "timeout"
    timed_out = True


class ConnectionDropped(RendezvousError):
    kind = "dropped"


class NoExitStatus(RendezvousError):
    kind = "no-exit-status"


def with_exit_status(command: str) -> str:
    """The command as `heroku run --exit-code` sends it (the marker line reports `$?`)."""
    return f'{command} ; echo "{EXIT_MARKER} $?"'


def parse_output(text: str) -> DynoResult | None:
    """(exit code, output) from what the dyno sent after the acknowledgement; None: no marker."""
    text = text.replace("\r\n", "\n")
    matches = list(_EXIT_LINE.finditer(text))
    if not matches:
        return None
    last = matches[-1]
    return DynoResult(int(last.group(1)), text[:last.start()] + text[last.end():])


def attach(attach_url: str, *, verify: str | bool = True, boot_timeout_s: float = 60.0,
           run_timeout_s: float = 120.0, dyno: str = "dyno") -> DynoResult:
    """Attach to a dyno created with `attach: true` and return its exit status and output.

    `boot_timeout_s` bounds the wait for the acknowledgement (the dyno booting);
    `run_timeout_s` bounds the command after it. The command must carry the exit marker
    (`with_exit_status`), or this raises NoExitStatus.
    """
    parts = urlsplit(attach_url)
    if parts.scheme in ("http", "https"):
        raise UnsupportedAttach(
            f"{dyno}: the attach_url is {parts.scheme}:// (a Private Spaces dyno, which the "
            "Heroku CLI attaches to over SSH); dyno mode supports rendezvous:// only: use "
            "smoke.heroku.mode: direct with smoke.mint.backend: command (docs/heroku.md)")
    if parts.scheme != "rendezvous" or not parts.hostname:
        raise RendezvousError(f"{dyno}: attach_url is not a rendezvous:// URL")
    secret = parts.path.lstrip("/") + (f"?{parts.query}" if parts.query else "")
    context = ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)
    deadline = time.monotonic() + boot_timeout_s
    try:
        raw = socket.create_connection((parts.hostname, parts.port or 5000),
                                       timeout=max(0.1, min(boot_timeout_s, 30.0)))
    except TimeoutError:
        raise DynoBootTimeout(f"{dyno}: no connection to the rendezvous within "
                              f"{boot_timeout_s:g} s") from None
    except OSError as error:
        raise ConnectionDropped(f"{dyno}: cannot connect to the rendezvous "
                                f"({_short(error)})") from None
    try:
        # suppress_ragged_eofs=False: a connection cut without TLS close_notify is an error we
        # can tell apart from the dyno ending its output.
        conn = context.wrap_socket(raw, server_hostname=parts.hostname,
                                   suppress_ragged_eofs=False)
    except ssl.SSLCertVerificationError as error:
        raw.close()
        raise RendezvousError(f"{dyno}: TLS verification of the rendezvous failed "
                              f"({error.verify_message}); trust comes from "
                              "REQUESTS_CA_BUNDLE / SSL_CERT_FILE") from None
    except (OSError, ssl.SSLError) as error:
        raw.close()
        raise ConnectionDropped(f"{dyno}: TLS to the rendezvous failed ({_short(error)})") \
            from None
    with conn:
        return _session(conn, secret, dyno, deadline, boot_timeout_s, run_timeout_s)


def _session(conn: ssl.SSLSocket, secret: str, dyno: str, boot_deadline: float,
             boot_timeout_s: float, run_timeout_s: float) -> DynoResult:
    buffer = bytearray()
    acked = False
    deadline = boot_deadline
    try:
        conn.settimeout(max(0.05, deadline - time.monotonic()))
        conn.sendall(secret.encode() + b"\r\n")
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            conn.settimeout(remaining)
            chunk = conn.recv(65536)
            if not chunk:  # TLS close_notify: the dyno ended its output
                break
            buffer += chunk
            if not acked:
                newline = buffer.find(b"\n")
                if newline < 0:
                    if len(buffer) > MAX_ACK_LINE:
                        raise RendezvousError(f"{dyno}: the rendezvous sent no "
                                              "acknowledgement line")
                    continue
                if not bytes(buffer[:newline]).strip().startswith(ACK):
                    raise RendezvousError(f"{dyno}: unexpected rendezvous acknowledgement "
                                          f"{bytes(buffer[:40])!r}")
                del buffer[:newline + 1]  # only the line: output may share its TLS record
                acked = True
                deadline = time.monotonic() + run_timeout_s
            if len(buffer) > MAX_OUTPUT:
                del buffer[:len(buffer) - MAX_OUTPUT]
            if _EXIT_LINE_DONE.search(buffer):
                result = parse_output(buffer.decode("utf-8", "replace"))
                if result is not None:  # the marker line is complete: the command is done
                    return result
    except TimeoutError:
        if not acked:
            raise DynoBootTimeout(f"{dyno}: the dyno did not come up within "
                                  f"{boot_timeout_s:g} s (no rendezvous acknowledgement)") \
                from None
        raise DynoTimeout(f"{dyno}: the command did not finish within {run_timeout_s:g} s") \
            from None
    except (ssl.SSLEOFError, ConnectionError) as error:
        result = parse_output(buffer.decode("utf-8", "replace"))
        if acked and result is not None:
            return result
        if not acked:
            raise DynoBootFailed(f"{dyno}: the rendezvous connection dropped before the "
                                 f"acknowledgement (the dyno did not boot; {_short(error)})") \
                from None
        raise ConnectionDropped(f"{dyno}: the rendezvous connection dropped "
                                f"{'before the dyno came up' if not acked else 'mid-output'} "
                                f"({_short(error)})") from None
    except ssl.SSLError as error:
        raise ConnectionDropped(f"{dyno}: TLS error on the rendezvous ({_short(error)})") \
            from None
    result = parse_output(buffer.decode("utf-8", "replace"))
    if not acked:
        raise DynoBootFailed(f"{dyno}: the rendezvous closed before the acknowledgement (the "
                             "dyno did not boot)")
    if result is None:
        raise NoExitStatus(f"{dyno}: the output ended without an exit status line (the "
                           "command's shell never reached the exit-status echo)")
    return result


def _short(error: BaseException) -> str:
    return brief(error)
