#!/usr/bin/python3
"""Copies a QEMU ELF dump into a form makedumpfile 1.7.2 reads.

QEMU 7.2 writes its section headers right after the ELF header and the program headers after
them (e_phoff 192); makedumpfile assumes the program headers follow the ELF header directly and
then finds no PT_LOAD. The copy moves the program headers to offset 64 and drops the section
headers. Memory contents are untouched (the copy is sparse where the dump is zero).
usage: elf_for_makedumpfile.py IN OUT
"""
import shutil, struct, subprocess, sys

src, dst = sys.argv[1], sys.argv[2]
subprocess.run(["cp", "--sparse=always", src, dst], check=True)
with open(dst, "r+b") as f:
    eh = bytearray(f.read(64))
    phoff, = struct.unpack_from("<Q", eh, 32)
    phentsize, phnum = struct.unpack_from("<HH", eh, 54)
    f.seek(phoff)
    phdrs = f.read(phentsize * phnum)
    first_data = min(struct.unpack_from("<Q", phdrs, i * phentsize + 8)[0] for i in range(phnum))
    if 64 + len(phdrs) > first_data:
        sys.exit("no room for the program headers")
    struct.pack_into("<Q", eh, 32, 64)        # e_phoff
    struct.pack_into("<Q", eh, 40, 0)         # e_shoff
    struct.pack_into("<H", eh, 52, 64)        # e_ehsize
    struct.pack_into("<HHH", eh, 58, 0, 0, 0) # e_shentsize, e_shnum, e_shstrndx
    f.seek(0)
    f.write(eh)
    f.write(phdrs)
