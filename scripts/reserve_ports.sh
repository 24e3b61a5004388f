#!/usr/bin/env bash
# The test and bench ports (clusters 54320-54399, servers and helpers' clusters 55100-55499)
# sit inside Linux's ephemeral range (32768-60999): a client's outgoing connection can take
# one as its local port, and a server started next then fails with "Address already in use".
# Reserving them keeps the kernel from handing them out.  Harmless when it cannot be done.
want="54320-54399,55100-55499"
f=/proc/sys/net/ipv4/ip_local_reserved_ports
cur=$(cat "$f" 2>/dev/null || true)
case ",$cur," in *",$want,"*|*"54320-54399"*) exit 0 ;; esac
if [ -w "$f" ]; then
  if [ -n "$cur" ]; then echo "$cur,$want" >"$f"; else echo "$want" >"$f"; fi 2>/dev/null \
    || echo "reserve_ports: could not reserve $want (tests may collide with ephemeral ports)" >&2
fi
exit 0
