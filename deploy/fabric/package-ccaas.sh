#!/usr/bin/env bash
# Makes the chaincode-as-a-service package a Fabric peer installs (`peer lifecycle chaincode install`):
#   <label>.tar.gz = metadata.json ({"type":"ccaas","label":...}) + code.tar.gz (connection.json)
# from the two templates beside this script. The peer's ccaas builder (built into the peer images since 2.4)
# reads connection.json to dial the chaincode server; "{{.peername}}" in the address is replaced by the peer's
# name, so one package serves peer0org1_coldtrail_ccaas and peer0org2_coldtrail_ccaas.
# The archives are byte-for-byte reproducible (sorted names, fixed owner and mtime, gzip -n): the same address
# and label always give the same package id.
#
# Usage: package-ccaas.sh [--address HOST:PORT] [--label LABEL] [--out DIR]
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
address='{{.peername}}_coldtrail_ccaas:9999'
label='coldtrail_1.0'
out='.'

usage() {
  echo "usage: $0 [--address HOST:PORT] [--label LABEL] [--out DIR]" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case "$1" in
    --address) [ $# -ge 2 ] || usage; address="$2"; shift 2 ;;
    --label) [ $# -ge 2 ] || usage; label="$2"; shift 2 ;;
    --out) [ $# -ge 2 ] || usage; out="$2"; shift 2 ;;
    -h | --help) usage ;;
    *) echo "unknown option: $1" >&2; usage ;;
  esac
done

# Fabric's label rule (core/chaincode/persistence): ^[[:alnum:]][[:alnum:]_.+-]*$
if ! [[ "$label" =~ ^[[:alnum:]][[:alnum:]_.+-]*$ ]]; then
  echo "label \"$label\" is not a valid chaincode label: letters, digits and _ . + - only, starting alphanumeric (e.g. coldtrail_1.0)" >&2
  exit 2
fi
if ! [[ "$address" =~ ^[[:alnum:]{}._-]+:[0-9]+$ ]]; then
  echo "address \"$address\" must be HOST:PORT (e.g. peer0org1_coldtrail_ccaas:9999 or {{.peername}}_coldtrail_ccaas:9999)" >&2
  exit 2
fi
mkdir -p "$out"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/pkg"
sed "s|\"address\": \"[^\"]*\"|\"address\": \"$address\"|" "$here/connection.json" >"$work/src/connection.json"
sed "s|\"label\": \"[^\"]*\"|\"label\": \"$label\"|" "$here/metadata.json" >"$work/pkg/metadata.json"

reproducible_tar() { # DIR FILE...: a gzip'd tar of FILEs in DIR, the same bytes for the same content
  local dir="$1"
  shift
  tar -C "$dir" --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - "$@" | gzip -n -9
}
reproducible_tar "$work/src" connection.json >"$work/pkg/code.tar.gz"
reproducible_tar "$work/pkg" metadata.json code.tar.gz >"$out/$label.tar.gz"
echo "$out/$label.tar.gz"
