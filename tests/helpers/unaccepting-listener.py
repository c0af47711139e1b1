"""A TCP listener on 127.0.0.1 that never accepts: its backlog is filled at once, so the kernel drops
further SYNs and a client's connect() hangs (what a connect timeout must catch). Prints the port."""
import socket
import time

server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(0)
port = server.getsockname()[1]
fillers = []
for _ in range(4):
    c = socket.socket()
    c.setblocking(False)
    try:
        c.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    fillers.append(c)
print(port, flush=True)
# Until the test kills us; at most ten minutes, so a crashed test cannot leave it behind for long.
time.sleep(600)
