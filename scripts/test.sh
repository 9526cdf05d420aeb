#!/usr/bin/env bash
# Install dsr with its test dependencies into .venv and run the whole test suite.
# System packages the tests need are installed when missing and this runs as root with apt-get;
# otherwise their tests skip and say why. A throw-away redis-server is started when none answers.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${DSR_VENV:-.venv}

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
[ -x /usr/sbin/dovecot ] || missing+=(dovecot-imapd)
{ ldconfig -p 2>/dev/null | grep -q 'libmagic\.so\.1'; } || missing+=(libmagic1)
# `docker compose config` checks the compose file of docs/deploy.md (no image is pulled).
{ command -v docker-compose || docker compose version; } >/dev/null 2>&1 || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing system packages: ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "note: system packages missing and not installable here: ${missing[*]} (their tests will skip)"
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test,deploy]'

redis_pid=""
cleanup() { [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true; }
trap cleanup EXIT
if [ -z "${DSR_TEST_REDIS_URL:-}" ]; then
  if "$VENV/bin/python" -c 'import redis,sys; redis.Redis(port=6379, socket_timeout=1).ping()' 2>/dev/null; then
    export DSR_TEST_REDIS_URL="redis://127.0.0.1:6379/15"
  elif command -v redis-server >/dev/null 2>&1; then
    port=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no >/dev/null &
    redis_pid=$!
    export DSR_TEST_REDIS_URL="redis://127.0.0.1:$port/0"
    for _ in $(seq 50); do
      "$VENV/bin/python" -c "import redis; redis.Redis(port=$port).ping()" 2>/dev/null && break
      sleep 0.1
    done
  fi
fi

started=$SECONDS
"$VENV/bin/ruff" check .
echo "mypy (strictness in pyproject.toml [tool.mypy]):"
"$VENV/bin/mypy"
set +e
# One worker per core; a file's tests stay together on one worker (their fixtures and the
# shared Redis database of the queueing tests). DSR_TEST_WORKERS=0 runs in this process.
"$VENV/bin/python" -m pytest -n "${DSR_TEST_WORKERS:-auto}" --dist loadfile "$@"
status=$?
set -e
echo "test suite: $((SECONDS - started)) s (ruff, mypy, import check and pytest)"
exit $status
