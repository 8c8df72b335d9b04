"""A TCP relay on 127.0.0.1 for the SSH tests: forwards LISTEN_PORT to
TARGET_PORT and cuts the first connection (RST both ways) once DROP_AFTER
bytes went from the client to the server.
  tcp_relay.py LISTEN_PORT TARGET_PORT DROP_AFTER once   later connections pass
  tcp_relay.py LISTEN_PORT TARGET_PORT DROP_AFTER die    the relay then exits
Prints "cut" on stdout when it cuts. Run with /usr/bin/python3."""
import socket
import struct
import sys
import threading

listen_port, target_port, drop_after, mode = (int(sys.argv[1]), int(sys.argv[2]),
                                              int(sys.argv[3]), sys.argv[4])
state = {"cut": False}
lock = threading.Lock()


def hard_close(*socks):
    for s in socks:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.close()
        except OSError:
            pass


def pump(src, dst, counted, pair, done):
    total = 0
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if counted:
                total += len(data)
                with lock:
                    cut_now = not state["cut"] and total >= drop_after
                    if cut_now:
                        state["cut"] = True
                if cut_now:
                    print("cut", flush=True)
                    hard_close(*pair)
                    done.set()
                    return
            dst.sendall(data)
    except OSError:
        pass
    hard_close(*pair)
    done.set()


def serve(client, first):
    server = socket.create_connection(("127.0.0.1", target_port))
    done = threading.Event()
    pair = (client, server)
    threading.Thread(target=pump, args=(client, server, first, pair, done), daemon=True).start()
    threading.Thread(target=pump, args=(server, client, False, pair, done), daemon=True).start()
    done.wait()


lsock = socket.socket()
lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lsock.bind(("127.0.0.1", listen_port))
lsock.listen(8)
print("ready", flush=True)
first = True
while True:
    client, _ = lsock.accept()
    if first:
        first = False
        serve(client, True)
        if mode == "die":
            lsock.close()
            sys.exit(0)
    else:
        threading.Thread(target=serve, args=(client, False), daemon=True).start()
