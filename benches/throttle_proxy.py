#!/usr/bin/env python3
"""A TCP proxy on loopback that limits the bytes sent back to clients to RATE bytes per second,
shared by all connections, as one network link would. Used by benches/compare_sources.sh to
show that layerlens overlaps downloading and indexing when the network is the bottleneck.

usage: throttle_proxy.py LISTEN_PORT TARGET_PORT RATE_BYTES_PER_SECOND
"""
import asyncio
import sys
import time

LISTEN, TARGET, RATE = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
CHUNK = 64 * 1024


class Bucket:
    """A token bucket shared by every connection (a burst of at most 0.1 s of traffic)."""

    def __init__(self, rate):
        self.rate, self.tokens, self.last = rate, 0.0, time.monotonic()

    async def take(self, n):
        while True:
            now = time.monotonic()
            self.tokens = min(self.rate * 0.1, self.tokens + (now - self.last) * self.rate)
            self.last = now
            if self.tokens >= n:
                self.tokens -= n
                return
            await asyncio.sleep((n - self.tokens) / self.rate)


BUCKET = Bucket(RATE)


async def pipe(reader, writer, throttle):
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            if throttle:
                await BUCKET.take(len(data))
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def handle(client_r, client_w):
    try:
        up_r, up_w = await asyncio.open_connection("127.0.0.1", TARGET)
    except OSError:
        client_w.close()
        return
    await asyncio.gather(pipe(client_r, up_w, False), pipe(up_r, client_w, True))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", LISTEN)
    async with server:
        await server.serve_forever()


asyncio.run(main())
