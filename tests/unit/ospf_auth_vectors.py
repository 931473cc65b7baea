#!/usr/bin/env python3
"""Known-answer vectors for tests/unit/test_ospf_auth.c, computed here with
Python's hashlib/hmac, independently of mgw's code (OpenSSL's EVP).

One OSPFv2 Hello (Router ID 10.201.1.2, area 0, mask /24, hello 1, dead 3,
one neighbour 10.201.0.1) with AuType 2, Key ID 1, sequence 0x12345678 and
Auth Data Len set to each digest's length, then:
  md5:       MD5(packet || key padded with zeros to 16 bytes)  RFC 2328 D.4.3
  hmac-shaN: HMAC-SHA-N(Ko, packet || Apad)                     RFC 5709 3.3
             Ko = key padded with zeros to L (the digest length),
             Apad = 0x878FE1F3 repeated to L bytes.
Run it to print the C table: python3 tests/unit/ospf_auth_vectors.py
"""
import hashlib
import hmac
import struct

TYPES = [("OSPF_AUTH_MD5", "md5", 16), ("OSPF_AUTH_HMAC_SHA1", "sha1", 20),
         ("OSPF_AUTH_HMAC_SHA256", "sha256", 32), ("OSPF_AUTH_HMAC_SHA384", "sha384", 48),
         ("OSPF_AUTH_HMAC_SHA512", "sha512", 64)]
KEYS = [b"mgw-test-key", b"k"]


def hello(l):
    body = struct.pack("!IHBBIII", 0xffffff00, 1, 0x02, 1, 3, 0, 0) + bytes([10, 201, 0, 1])
    hdr = struct.pack("!BBHIIHH", 2, 1, 24 + len(body), 0x0ac90102, 0, 0, 2)
    auth = struct.pack("!HBBI", 0, 1, l, 0x12345678)
    return hdr + auth + body


def digest(alg, l, key, pkt):
    if alg == "md5":
        return hashlib.md5(pkt + key.ljust(16, b"\0")).digest()
    ko = key.ljust(l, b"\0") if len(key) <= l else hashlib.new(alg, key).digest()
    apad = (b"\x87\x8f\xe1\xf3" * (l // 4 + 1))[:l]
    return hmac.new(ko, pkt + apad, alg).digest()


def main():
    for name, alg, l in TYPES:
        keys = KEYS + [(b"0123456789abcdef" * 4)[:l]]     # and one of exactly L bytes
        for key in keys:
            pkt = hello(l)
            d = digest(alg, l, key, pkt)
            print('\t{ %s, "%s", %d, "%s" },' % (name, key.decode(), len(key), d.hex()))


if __name__ == "__main__":
    main()
