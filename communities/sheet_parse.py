"""Child process of communities.sheet_guard: parse the first sheet of a spreadsheet read from stdin and
write its rows (pickled) to stdout, under the memory and CPU limits the parent passes in argv.

Run as a script (`python sheet_parse.py <memory bytes> <cpu seconds>`), never imported by Django: it
imports nothing but the standard library and python-calamine, so it starts fast. If the reader tries to
allocate more than the limit it fails or dies here, not in the worker."""

import io
import pickle
import resource
import sys


def main() -> int:
    memory, cpu = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort leaves no core file
    data = sys.stdin.buffer.read()
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except MemoryError:
        return 3
    except Exception as exc:  # a damaged or foreign file: the parent shows the reader's message
        sys.stdout.buffer.write(pickle.dumps(("error", str(exc)[:200])))
        return 0
    sys.stdout.buffer.write(pickle.dumps(("rows", rows), protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
