"""What the Python references of the client benchmark share: the arguments, the images, and the
measured loop (8 warm-up round trips, then every image uploaded and downloaded at each
concurrency, one JSON line per phase and concurrency: seconds, MiB/s, this process's CPU seconds).
Each reference only says how it puts and gets one object."""
import json, os, sys, time
from concurrent.futures import ThreadPoolExecutor


def arguments(section):
    """(the stack's `section` block, image names, image bytes, concurrencies) from argv."""
    stack_file, images = sys.argv[1], sys.argv[2]
    concs = [int(c) for c in (sys.argv[3] if len(sys.argv) > 3 else '1,16').split(',')]
    names = sorted(n for n in os.listdir(images) if n.endswith('.jpg'))
    bodies = [open(os.path.join(images, n), 'rb').read() for n in names]
    return json.load(open(stack_file))[section], names, bodies, concs


def measure(put, get, names, bodies, concs, prefix):
    total = sum(len(b) for b in bodies)
    for i in range(8):
        put('%s/warm-%d' % (prefix, i), bodies[i]); get('%s/warm-%d' % (prefix, i))
    for c in concs:
        for phase in ('upload', 'download'):
            def work(i):
                key = '%s/c%d/%s' % (prefix, c, names[i])
                if phase == 'upload':
                    put(key, bodies[i])
                elif len(get(key)) != len(bodies[i]):
                    raise RuntimeError('download %s: wrong length' % key)
            cpu0, t0 = time.process_time(), time.perf_counter()
            if c == 1:
                for i in range(len(bodies)): work(i)
            else:
                with ThreadPoolExecutor(c) as ex: list(ex.map(work, range(len(bodies))))
            secs = time.perf_counter() - t0
            print(json.dumps({'c': c, 'phase': phase, 'secs': secs, 'mibps': total / 2 ** 20 / secs, 'cpuS': time.process_time() - cpu0}), flush=True)
