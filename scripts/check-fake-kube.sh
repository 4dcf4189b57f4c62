#!/usr/bin/env bash
# Checks the fake Kubernetes API server (test/support/fake-kube) against the real kubectl:
# discovery, list, table printing, JSON output, pagination and a watch that sees a create.
# Usage: scripts/check-fake-kube.sh   (needs kubectl on PATH; exits non-zero on any mismatch)
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
fake_pid=''
cleanup() {
  exec 3>&- 2>/dev/null || true
  if [[ -n "$fake_pid" ]]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The fake reads commands from a fifo, so the script can change objects while kubectl watches.
mkfifo "$work/in"
npx --no-install tsx test/support/fake-kube/cli.ts <"$work/in" >"$work/out" 2>"$work/err" &
fake_pid=$!
exec 3>"$work/in"
for _ in $(seq 300); do [[ -s "$work/out" ]] && break; sleep 0.1; done
KUBECONFIG=$(head -n 1 "$work/out")
[[ -f "$KUBECONFIG" ]] || { echo "fake did not start:"; cat "$work/err"; exit 1; }
export KUBECONFIG
k() { kubectl --cache-dir "$work/cache" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }

echo "== kubectl get deploy -A"
out=$(k get deploy -A)
echo "$out"
grep -Eq '^x +api +3/3 +3 +3 ' <<<"$out" || fail "deployment x/api not listed with its replicas"
# kubectl logs at -v=6 when it has to print a non-Table answer client-side: the fake must print server-side.
if k get deploy -A -v=6 2>&1 | grep -q 'Falling back'; then fail "kubectl could not decode the fake's Table"; fi

echo "== kubectl get pods -n x -o json"
out=$(k get pods -n x -o json)
echo "$out" | head -n 12
echo "   … ($(grep -c '"kind": "Pod"' <<<"$out") pods)"
[[ $(grep -c '"kind": "Pod"' <<<"$out") == 2 ]] || fail "expected 2 pods in namespace x"

echo "== kubectl get --raw '/apis/apps/v1/deployments?limit=1'"
out=$(k get --raw '/apis/apps/v1/deployments?limit=1')
echo "$out" | cut -c 1-220
grep -q '"continue":"' <<<"$out" || fail "no continue token on a limited list"
grep -q '"remainingItemCount":2' <<<"$out" || fail "remainingItemCount is not 2"
grep -q '"items":\[{"metadata"' <<<"$out" || fail "list items should carry no kind/apiVersion"

echo "== kubectl get deploy -A --watch (creating x/fresh, scaling it, deleting it)"
k get deploy -A --watch >"$work/watch" 2>&1 &
watch_pid=$!
for _ in $(seq 100); do grep -q worker "$work/watch" 2>/dev/null && break; sleep 0.1; done
echo "create deployments x fresh" >&3
sleep 0.5
echo "scale deployments x fresh 4" >&3
sleep 0.5
echo "delete deployments x fresh" >&3
sleep 1
kill "$watch_pid" 2>/dev/null || true
wait "$watch_pid" 2>/dev/null || true
cat "$work/watch"
[[ $(grep -c 'fresh' "$work/watch") -ge 3 ]] || fail "the watch did not show the create, the scale and the delete"

echo "== managedFields, as kubectl reads them (create by kubectl-create, then kubectl scale)"
echo "create deployments x owned" >&3
sleep 0.5
echo "scale deployments x owned 3" >&3
sleep 0.5
# kubectl hides metadata.managedFields unless asked: it must recognise the fake's as the real thing.
if k get deploy -n x owned -o yaml | grep -q managedFields; then fail "kubectl did not strip managedFields by default"; fi
out=$(k get deploy -n x owned -o yaml --show-managed-fields)
echo "$out" | sed -n '/managedFields:/,/name: owned/p'
out=$(k get deploy -n x owned -o jsonpath='{range .metadata.managedFields[*]}{.manager}/{.operation}/{.subresource}/{.fieldsType} {end}' --show-managed-fields)
echo "$out"
# Entries sort by time in seconds, then manager: within one second `kubectl` sorts first, so compare them sorted.
sorted=$(tr ' ' '\n' <<<"$out" | sed '/^$/d' | LC_ALL=C sort | tr '\n' ' ')
[[ "$sorted" == "kubectl-create/Update//FieldsV1 kubectl/Update/scale/FieldsV1 " ]] || fail "managers were not kubectl-create and kubectl (scale)"

echo "quit" >&3
echo "OK: kubectl agrees with the fake"
