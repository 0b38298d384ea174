#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""pty_run.py COLS PIDFILE OUTFILE CMD [ARG...]: run CMD with its standard
input and output on a new pseudo-terminal of COLS columns (standard error
is left as it is), copy everything it writes to the terminal into OUTFILE
as it comes, write CMD's pid into PIDFILE, and exit with CMD's status (128
+ N when signal N killed it).  For the tests of pidtree's text output,
which it chooses, and colours, only on a terminal.
"""
import fcntl
import os
import struct
import sys
import termios


def main():
    cols, pidfile, outfile, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols, 0, 0))
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        os.dup2(slave, 0)
        os.dup2(slave, 1)
        if slave > 2:
            os.close(slave)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    os.close(slave)
    with open(pidfile + ".tmp", "w") as f:
        f.write("%d\n" % pid)
    os.rename(pidfile + ".tmp", pidfile)
    with open(outfile, "ab", buffering=0) as out:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the terminal's last user is gone
                break
            if not data:
                break
            out.write(data)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


if __name__ == "__main__":
    sys.exit(main())
