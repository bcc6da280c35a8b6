#!/bin/sh
# qmon runs on its own Node runtime, whatever Node the host has (Debian 12 ships 18; qmon needs 20).
exec /usr/lib/qmon/node/bin/node /usr/lib/qmon/dist/agent/cli.js "$@"
