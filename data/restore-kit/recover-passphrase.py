#!/usr/bin/env python3
"""Rebuild a keyceremony backup passphrase from custodians' shares, without keyceremony.

Usage:
    python3 recover-passphrase.py              # asks for the shares (typed hidden), prints the passphrase
    python3 recover-passphrase.py < SHARES     # one share per line
    python3 recover-passphrase.py < SHARES | gpg --batch --pinentry-mode loopback --passphrase-fd 0 \\
        --decrypt vault.tar.gpg | tar -x

Needs only Python 3 and the two word lists next to this file (pgp-words.txt, eff_large_wordlist.txt).
The format is specified in keyceremony's docs/share-format.md:
  share = PGP words, one per byte (even positions: two-syllable list, odd positions: three-syllable list);
  bytes = version(1) | set id(2) | threshold k | count n | number | Shamir share (secret bytes, then x) | 4 check bytes;
  check = Reed-Solomon over GF(2^8)/0x11d, generator roots 2^0..2^3; Shamir over GF(2^8)/0x11b (HashiCorp Vault);
  secret = the passphrase's EFF word indices as one base-7776 number, big-endian.
"""
import getpass
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def fail(message):
    sys.stderr.write("recover-passphrase: %s\n" % message)
    sys.exit(1)


def load_pgp_words():
    even, odd = [], []
    with open(os.path.join(HERE, "pgp-words.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            _, e, o = line.split("\t")
            even.append(e.lower())
            odd.append(o.lower())
    if len(even) != 256:
        fail("pgp-words.txt is damaged")
    return {w: i for i, w in enumerate(even)}, {w: i for i, w in enumerate(odd)}


def load_eff_words():
    with open(os.path.join(HERE, "eff_large_wordlist.txt"), encoding="utf-8") as f:
        words = [line.split("\t")[1].strip() for line in f if line.strip()]
    if len(words) != 7776:
        fail("eff_large_wordlist.txt is damaged")
    return words


def gf_mul(a, b, poly):
    result = 0
    while b:
        if b & 1:
            result ^= a
        a <<= 1
        if a & 0x100:
            a ^= poly
        b >>= 1
    return result


def rs_check(message, r=4):
    # generator g(x) = (x - 2^0)(x - 2^1)...(x - 2^(r-1)) over GF(2^8)/0x11d, leading coefficient dropped
    g = [1]
    root = 1
    for _ in range(r):
        nxt = [0] * (len(g) + 1)
        for j, c in enumerate(g):
            nxt[j] ^= c
            nxt[j + 1] ^= gf_mul(c, root, 0x11D)
        g = nxt
        root = gf_mul(root, 2, 0x11D)
    g = g[1:]
    rem = [0] * r
    for byte in message:
        factor = byte ^ rem[0]
        rem = rem[1:] + [0]
        for j in range(r):
            rem[j] ^= gf_mul(g[j], factor, 0x11D)
    return rem


class ShareError(Exception):
    pass


def mistyped_word(data):
    """The 1-based position of the one word whose change makes the check symbols match, if exactly one does.

    Only the position is reported, never the word that would fit: that would put part of a share on the screen.
    """
    found = None
    for i in range(len(data)):
        original = data[i]
        for v in range(256):
            if v == original:
                continue
            data[i] = v
            if rs_check(data[:-4]) == data[-4:]:
                if found is not None and found != i + 1:
                    data[i] = original
                    return None
                found = i + 1
        data[i] = original
    return found


def decode_share(text, index, even_words, odd_words):
    """A share from its words; a ShareError names the word at fault by position (never the word itself)."""
    where = "share %d" % index
    tokens = [t for t in re.split(r"[\s,;]+", text) if t and not re.match(r"^\d+[.:)]?$", t)]
    data = []
    for i, token in enumerate(tokens):
        word = token.lower()
        table, other = (even_words, odd_words) if i % 2 == 0 else (odd_words, even_words)
        if word in table:
            data.append(table[word])
        elif word in other:
            raise ShareError("%s: word %d is out of place: a word is missing, doubled or swapped at or before it" % (where, i + 1))
        else:
            raise ShareError("%s: word %d is not a share word (check its spelling against the sheet)" % (where, i + 1))
    if len(data) < 12:
        raise ShareError("%s: only %d words, too short to be a share" % (where, len(data)))
    body, check = data[:-4], data[-4:]
    if rs_check(body) != check:
        position = mistyped_word(list(data))
        if position is not None:
            raise ShareError("%s: word %d is mistyped: the checksum points at it" % (where, position))
        raise ShareError("%s: the checksum does not match: a word is mistyped or two words are swapped" % where)
    if body[0] != 1:
        raise ShareError("%s: share format %d is not supported" % (where, body[0]))
    return {"set": (body[1] << 8) | body[2], "k": body[3], "n": body[4], "number": body[5], "share": body[6:]}


def combine(shares):
    length = len(shares[0]["share"]) - 1
    xs = [s["share"][-1] for s in shares]
    secret = []
    for i in range(length):
        value = 0
        for j, s in enumerate(shares):
            basis = 1
            for m, xm in enumerate(xs):
                if m == j:
                    continue
                denominator = xm ^ xs[j]
                inverse = 1
                for _ in range(254):  # a^254 = a^-1 in GF(2^8)
                    inverse = gf_mul(inverse, denominator, 0x11B)
                basis = gf_mul(basis, gf_mul(xm, inverse, 0x11B), 0x11B)
            value ^= gf_mul(s["share"][i], basis, 0x11B)
        secret.append(value)
    return secret


def to_passphrase(secret, eff):
    words = None
    for n in range(1, 65):
        needed = 0
        capacity = 1
        while capacity < 7776 ** n:
            capacity <<= 8
            needed += 1
        if needed == len(secret):
            words = n
            break
    if words is None:
        fail("the shares hold %d bytes, which is no passphrase length" % len(secret))
    value = int.from_bytes(bytes(secret), "big")
    if value >= 7776 ** words:
        fail("the shares do not combine to a passphrase (are they all from the same backup?)")
    out = []
    for _ in range(words):
        out.append(eff[value % 7776])
        value //= 7776
    return " ".join(reversed(out))


def main():
    even_words, odd_words = load_pgp_words()
    eff = load_eff_words()
    shares = []
    interactive = sys.stdin.isatty()
    if interactive:
        while not shares or len(shares) < shares[0]["k"]:
            for attempt in range(1, 4):
                text = getpass.getpass("Share %d (words, hidden): " % (len(shares) + 1), stream=sys.stderr)
                try:
                    shares.append(decode_share(text, len(shares) + 1, even_words, odd_words))
                    break
                except ShareError as error:
                    if attempt == 3:
                        fail(str(error))
                    sys.stderr.write("%s; type this share again (%d left)\n" % (error, 3 - attempt))
    else:
        for line in sys.stdin:
            if line.strip() and not line.lstrip().startswith("#"):
                try:
                    shares.append(decode_share(line, len(shares) + 1, even_words, odd_words))
                except ShareError as error:
                    fail(str(error))
    if not shares:
        fail("no shares given")
    first = shares[0]
    for s in shares:
        if s["set"] != first["set"] or s["k"] != first["k"] or s["n"] != first["n"]:
            fail("share %d belongs to a different backup (share set %04X, not %04X)" % (s["number"], s["set"], first["set"]))
    if len({s["number"] for s in shares}) != len(shares):
        fail("the same share was given twice")
    if len(shares) < first["k"]:
        fail("%d share(s) given, %d are needed" % (len(shares), first["k"]))
    passphrase = to_passphrase(combine(shares[: first["k"]]), eff)
    if interactive and sys.stdout.isatty():
        sys.stderr.write("The backup passphrase (type it when gpg asks, then clear the screen):\n")
    sys.stdout.write(passphrase + "\n")


if __name__ == "__main__":
    main()
