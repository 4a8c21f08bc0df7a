"""A second, independent signup backend ("Acme") with other shapes than the runbook's.

It proves the smoke fits any team's backend (docs/configure-smoke.md): other routes and body
fields, a `creationOptions` wrapper, the credential under `attestation`, the user id at
`account.id`, 201 `{"result": "created"}`, other tables and columns in PostgreSQL, invites
signed with INVITE_SIGNING_SECRET (nonce in `jti`), a mint command of its own, and no health
endpoint. It imports nothing from release_gate: a second backend, not the sandbox with a flag.
"""
