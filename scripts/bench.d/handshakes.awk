# Counts the TLS handshakes a `tlsprobe matrix --format json` run really made,
# from its own output, so the shell alternative can be given exactly as many.
#
# Input: the JSON document, pretty-printed with sorted keys as tlsprobe writes
# it (one field per line; a cell's own fields indented six spaces). Output, one
# line per runtime, then the sum:
#   runtime NAME cells N handshakes H workers W warmups K second S
# (S: how many of the H are the second connection of a TFO-on cell)
#   total H+K
#
# Counted:
# - every cell whose tlsVersion is set: the handshake completed, whatever the
#   cell's outcome after it (a memory-accounting failure still shook hands);
# - a second handshake in TFO-on cells whose evidence is from connection 2
#   (CellProbe connects twice: once for the server's cookie, once to use it),
#   unless the cell's reason says that second connection failed before its
#   handshake finished ("second connection (with the cookie): handshake: …");
# - each worker's CellRunner.warmUp: one fd connection.
#   A runtime gets one worker, plus one more after every crashed or timed-out
#   cell that has cells after it (the supervisor restarts for the rest).
# Not counted: teardown cells (they may connect, but never shake hands) and
# cells that failed before the handshake finished.

function field() { split($0, parts, "\""); return parts[4] }

/^  "cells" : \[/ { incells = 1; next }
incells && /^  \]/ { incells = 0; next }
incells && /^    \{/ { runtime = mode = tfo = family = phase = outcome = reason = ""; tls = second = 0; next }
incells && /^      "runtime" : "/ { runtime = field() }
incells && /^      "mode" : "/ { mode = field() }
incells && /^      "tfo" : "/ { tfo = field() }
incells && /^      "family" : "/ { family = field() }
incells && /^      "phase" : "/ { phase = field() }
incells && /^      "outcome" : "/ { outcome = field() }
incells && /^      "reason" : "/ { reason = field() }
incells && /^      "tlsVersion" : "/ { tls = 1 }
# The evidence object's own fields are indented eight spaces.
incells && /^      "tfoEvidence" : \{/ { evidence = 1; next }
incells && /^      \}/ { evidence = 0 }
incells && evidence && /^        "connection" : 2,?$/ { second = 1 }
incells && /^    \}/ {
    if (!(runtime in cells)) { order[++runtimes] = runtime; workers[runtime] = 1 }
    cells[runtime]++
    handshakes[runtime] += tls
    if (second && tls && !(index(reason, "second connection (with the cookie): ") == 1 &&
                           index(reason, "second connection (with the cookie): after the handshake") != 1))
        { handshakes[runtime]++; seconds[runtime]++ }
    if (restart[runtime]) { workers[runtime]++; restart[runtime] = 0 }
    if (outcome == "crashed" || outcome == "timeout") restart[runtime] = 1
}
END {
    if (runtimes == 0) { print "handshakes.awk: no cells found (not tlsprobe's pretty-printed JSON?)" > "/dev/stderr"; exit 1 }
    for (i = 1; i <= runtimes; i++) {
        r = order[i]
        warmups = workers[r]
        printf "runtime %s cells %d handshakes %d workers %d warmups %d second %d\n", r, cells[r], handshakes[r], workers[r],
               warmups, seconds[r]
        total += handshakes[r] + warmups
    }
    print "total", total
}
