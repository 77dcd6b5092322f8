/* The Anki notes' hashing and ordering, in C: what `notes.py` does in Python, which is
 * the reference (tests compare the two on the same inputs).
 *
 * - `digest(kind, values, tags_text)`: `notes._digest`, SHA-256 of the pieces' UTF-8 (surrogates
 *   passed through) written once into one buffer instead of joined and encoded; None if a piece
 *   is not a str (the caller then takes the Python path, which raises what Python raises).
 * - `guid(text)`: `notes._guid_of`, genanki's GUID: SHA-256 of the UTF-8, first 8 bytes in base 91.
 * - `shuffled(items, key)`: `notes._shuffled`, the order `random.Random(key).shuffle` gives: the str
 *   seed made into its MT19937 key as `Random.seed` makes it, and only the first few outputs of the
 *   generator computed (a shuffle of a few options needs a few words, not all 624).
 *
 * SHA-256 and SHA-512 are made here (see below), SHA-256 with the CPU's SHA instructions where it has
 * them; without them a note's SHA-256 is hashlib's (OpenSSL: faster per byte than plain C).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static PyObject *sha256_new; /* hashlib.sha256 */
static PyObject *digest_name; /* "digest" */

/* The digest of `data` (n bytes) by `hash_new` (hashlib.sha256), into `out` (`size` bytes). */
static int hash_bytes(PyObject *hash_new, const char *data, Py_ssize_t n, unsigned char *out, Py_ssize_t size)
{
    PyObject *view = PyMemoryView_FromMemory((char *)data, n, PyBUF_READ);
    if (view == NULL)
        return -1;
    PyObject *h = PyObject_CallOneArg(hash_new, view);
    Py_DECREF(view);
    if (h == NULL)
        return -1;
    PyObject *d = PyObject_CallMethodNoArgs(h, digest_name);
    Py_DECREF(h);
    if (d == NULL)
        return -1;
    if (!PyBytes_Check(d) || PyBytes_GET_SIZE(d) != size) {
        Py_DECREF(d);
        PyErr_SetString(PyExc_RuntimeError, "unexpected digest");
        return -1;
    }
    memcpy(out, PyBytes_AS_STRING(d), size);
    Py_DECREF(d);
    return 0;
}

/* ---- SHA-256 and SHA-512 of short texts (FIPS 180-4) ----
 * A GUID's text and a shuffle's seed are a few dozen bytes: hashed here, they cost less than a
 * call to hashlib; a note's content (a kilobyte or more) goes to hashlib's OpenSSL, faster per byte. */

static const uint32_t K256[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR32(x, n) (((x) >> (n)) | ((x) << (32 - (n))))
#define ROR64(x, n) (((x) >> (n)) | ((x) << (64 - (n))))

static void sha256_block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64], a, b, c, d, e, f, g, k, t1, t2;
    int i;
    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (; i < 64; i++) {
        uint32_t s0 = ROR32(w[i - 15], 7) ^ ROR32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR32(w[i - 2], 17) ^ ROR32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; k = h[7];
    for (i = 0; i < 64; i++) {
        t1 = k + (ROR32(e, 6) ^ ROR32(e, 11) ^ ROR32(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i];
        t2 = (ROR32(a, 2) ^ ROR32(a, 13) ^ ROR32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

static void sha256_blocks_c(uint32_t h[8], const unsigned char *p, size_t blocks)
{
    for (; blocks; blocks--, p += 64)
        sha256_block(h, p);
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define SHA_INSTRUCTIONS 1

/* `sha256_blocks_c` with the CPU's SHA instructions (Intel's SHA extensions): the state kept as
 * ABEF and CDGH, four rounds per message word group, the schedule by sha256msg1/msg2. */
__attribute__((target("sha,sse4.1,ssse3"))) static void sha256_blocks_x86(uint32_t h[8], const unsigned char *p,
                                                                          size_t blocks)
{
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL); /* big-endian words */
    __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[0]), 0xB1); /* CDAB */
    __m128i state1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&h[4]), 0x1B); /* EFGH */
    __m128i state0 = _mm_alignr_epi8(tmp, state1, 8);                                  /* ABEF */
    state1 = _mm_blend_epi16(state1, tmp, 0xF0);                                        /* CDGH */
    for (; blocks; blocks--, p += 64) {
        __m128i save0 = state0, save1 = state1, w[4], msg;
        for (int i = 0; i < 4; i++)
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), swap);
        for (int g = 0; g < 16; g++) { /* rounds 4g .. 4g + 3 */
            if (g >= 4) {              /* W[g] from W[g-4 .. g-1], kept in w[g % 4] */
                __m128i x = _mm_sha256msg1_epu32(w[g & 3], w[(g - 3) & 3]);
                x = _mm_add_epi32(x, _mm_alignr_epi8(w[(g - 1) & 3], w[(g - 2) & 3], 4));
                w[g & 3] = _mm_sha256msg2_epu32(x, w[(g - 1) & 3]);
            }
            msg = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)&K256[4 * g]));
            state1 = _mm_sha256rnds2_epu32(state1, state0, msg);
            state0 = _mm_sha256rnds2_epu32(state0, state1, _mm_shuffle_epi32(msg, 0x0E));
        }
        state0 = _mm_add_epi32(state0, save0);
        state1 = _mm_add_epi32(state1, save1);
    }
    tmp = _mm_shuffle_epi32(state0, 0x1B);        /* FEBA */
    state1 = _mm_shuffle_epi32(state1, 0xB1);     /* DCHG */
    _mm_storeu_si128((__m128i *)&h[0], _mm_blend_epi16(tmp, state1, 0xF0)); /* DCBA */
    _mm_storeu_si128((__m128i *)&h[4], _mm_alignr_epi8(state1, tmp, 8));    /* HGFE */
}

static int has_sha_instructions(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    return (b >> 29) & 1; /* SHA */
}
#endif

/* The CPU's SHA instructions where it has them (then a note's SHA-256 is made here, not by hashlib). */
static void (*sha256_blocks)(uint32_t h[8], const unsigned char *p, size_t blocks) = sha256_blocks_c;

/* SHA-256(data) as its eight words. */
static void sha256(const unsigned char *data, size_t n, uint32_t h[8])
{
    static const uint32_t start[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    unsigned char last[128];
    size_t full = n / 64, rest = n - 64 * full, i;
    memcpy(h, start, sizeof(start));
    sha256_blocks(h, data, full);
    memset(last, 0, sizeof(last));
    memcpy(last, data + 64 * full, rest);
    last[rest] = 0x80;
    size_t end = rest < 56 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;
    for (i = 0; i < 8; i++)
        last[end - 1 - i] = (unsigned char)(bits >> (8 * i));
    sha256_blocks(h, last, end / 64);
}

/* The first 8 bytes of SHA-256(data), big-endian: all a GUID takes. */
static uint64_t sha256_head(const unsigned char *data, size_t n)
{
    uint32_t h[8];
    sha256(data, n, h);
    return (uint64_t)h[0] << 32 | h[1];
}

static const uint64_t K512[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL, 0x3956c25bf348b538ULL,
    0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL, 0xd807aa98a3030242ULL, 0x12835b0145706fbeULL,
    0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL, 0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL,
    0xc19bf174cf692694ULL, 0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL, 0x983e5152ee66dfabULL,
    0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL, 0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
    0x06ca6351e003826fULL, 0x142929670a0e6e70ULL, 0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL,
    0x53380d139d95b3dfULL, 0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL, 0xd192e819d6ef5218ULL,
    0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL, 0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL,
    0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL, 0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL,
    0x682e6ff3d6b2b8a3ULL, 0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL, 0xca273eceea26619cULL,
    0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL, 0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL,
    0x113f9804bef90daeULL, 0x1b710b35131c471bULL, 0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL,
    0x431d67c49c100d4cULL, 0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL,
};

static void sha512_block(uint64_t h[8], const unsigned char *p)
{
    uint64_t w[80], a, b, c, d, e, f, g, k, t1, t2;
    int i, j;
    for (i = 0; i < 16; i++) {
        uint64_t v = 0;
        for (j = 0; j < 8; j++)
            v = v << 8 | p[8 * i + j];
        w[i] = v;
    }
    for (; i < 80; i++) {
        uint64_t s0 = ROR64(w[i - 15], 1) ^ ROR64(w[i - 15], 8) ^ (w[i - 15] >> 7);
        uint64_t s1 = ROR64(w[i - 2], 19) ^ ROR64(w[i - 2], 61) ^ (w[i - 2] >> 6);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4]; f = h[5]; g = h[6]; k = h[7];
    for (i = 0; i < 80; i++) {
        t1 = k + (ROR64(e, 14) ^ ROR64(e, 18) ^ ROR64(e, 41)) + ((e & f) ^ (~e & g)) + K512[i] + w[i];
        t2 = (ROR64(a, 28) ^ ROR64(a, 34) ^ ROR64(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

/* SHA-512(data) into out (64 bytes). */
static void sha512(const unsigned char *data, size_t n, unsigned char out[64])
{
    uint64_t h[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
                     0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
    unsigned char last[256];
    size_t full = n / 128 * 128, rest = n - full, i;
    for (i = 0; i < full; i += 128)
        sha512_block(h, data + i);
    memset(last, 0, sizeof(last));
    memcpy(last, data + full, rest);
    last[rest] = 0x80;
    size_t end = rest < 112 ? 128 : 256;
    uint64_t bits = (uint64_t)n * 8; /* the high 64 bits of the 128-bit length: 0 below 2 EiB */
    for (i = 0; i < 8; i++)
        last[end - 1 - i] = (unsigned char)(bits >> (8 * i));
    sha512_block(h, last);
    if (end == 256)
        sha512_block(h, last + 128);
    for (i = 0; i < 64; i++)
        out[i] = (unsigned char)(h[i / 8] >> (56 - 8 * (i % 8)));
}

/* ---- UTF-8 ---- */

/* The most bytes `s` takes in UTF-8. */
static Py_ssize_t utf8_bound(PyObject *s)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (PyUnicode_IS_ASCII(s))
        return n;
    switch (PyUnicode_KIND(s)) {
    case PyUnicode_1BYTE_KIND: return 2 * n;
    case PyUnicode_2BYTE_KIND: return 3 * n;
    default: return 4 * n;
    }
}

/* `s` in UTF-8 at `p`, a surrogate as its three bytes (Python's "surrogatepass"); returns the end.
 * ``*surrogates`` is set when one was written (strict UTF-8 would have refused it). */
static char *put_utf8(char *p, PyObject *s, int *surrogates)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), i;
    const void *data = PyUnicode_DATA(s);
    if (PyUnicode_IS_ASCII(s)) {
        memcpy(p, data, n);
        return p + n;
    }
    unsigned char *q = (unsigned char *)p;
    switch (PyUnicode_KIND(s)) {
    case PyUnicode_1BYTE_KIND: {
        const Py_UCS1 *d = data;
        for (i = 0; i < n; i++) {
            uint64_t eight;
            /* eight ASCII characters at a time (most of a text with a few accents) */
            while (i + 8 <= n && (memcpy(&eight, d + i, 8), !(eight & 0x8080808080808080ULL))) {
                memcpy(q, &eight, 8);
                q += 8;
                i += 8;
            }
            if (i == n)
                break;
            Py_UCS1 c = d[i];
            if (c < 0x80) {
                *q++ = c;
            } else {
                *q++ = 0xC0 | (c >> 6);
                *q++ = 0x80 | (c & 0x3F);
            }
        }
        break;
    }
    case PyUnicode_2BYTE_KIND: {
        const Py_UCS2 *d = data;
        for (i = 0; i < n; i++) {
            uint64_t four;
            /* four ASCII characters at a time (most of a text with curly quotes) */
            while (i + 4 <= n && (memcpy(&four, d + i, 8), !(four & 0xFF80FF80FF80FF80ULL))) {
                q[0] = (unsigned char)d[i];
                q[1] = (unsigned char)d[i + 1];
                q[2] = (unsigned char)d[i + 2];
                q[3] = (unsigned char)d[i + 3];
                q += 4;
                i += 4;
            }
            if (i == n)
                break;
            Py_UCS2 c = d[i];
            if (c < 0x80) {
                *q++ = (unsigned char)c;
            } else if (c < 0x800) {
                *q++ = 0xC0 | (c >> 6);
                *q++ = 0x80 | (c & 0x3F);
            } else {
                if (c >= 0xD800 && c <= 0xDFFF)
                    *surrogates = 1;
                *q++ = 0xE0 | (c >> 12);
                *q++ = 0x80 | ((c >> 6) & 0x3F);
                *q++ = 0x80 | (c & 0x3F);
            }
        }
        break;
    }
    default: {
        const Py_UCS4 *d = data;
        for (i = 0; i < n; i++) {
            Py_UCS4 c = d[i];
            if (c < 0x80) {
                *q++ = (unsigned char)c;
            } else if (c < 0x800) {
                *q++ = 0xC0 | (c >> 6);
                *q++ = 0x80 | (c & 0x3F);
            } else if (c < 0x10000) {
                if (c >= 0xD800 && c <= 0xDFFF)
                    *surrogates = 1;
                *q++ = 0xE0 | (c >> 12);
                *q++ = 0x80 | ((c >> 6) & 0x3F);
                *q++ = 0x80 | (c & 0x3F);
            } else {
                *q++ = 0xF0 | (c >> 18);
                *q++ = 0x80 | ((c >> 12) & 0x3F);
                *q++ = 0x80 | ((c >> 6) & 0x3F);
                *q++ = 0x80 | (c & 0x3F);
            }
        }
    }
    }
    return (char *)q;
}

/* ---- digest(kind, values, tags_text) ---- */

static const char HEX[] = "0123456789abcdef";

static PyObject *nk_digest(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "digest(kind, values, tags_text)");
        return NULL;
    }
    PyObject *kind = args[0], *values = args[1], *tags = args[2];
    if (!PyUnicode_Check(kind) || !PyList_Check(values) || !PyUnicode_Check(tags))
        Py_RETURN_NONE;
    Py_ssize_t count = PyList_GET_SIZE(values), i;
    if (PyUnicode_READY(kind) < 0 || PyUnicode_READY(tags) < 0)
        return NULL;
    Py_ssize_t size = utf8_bound(kind) + 1 + count + utf8_bound(tags);
    for (i = 0; i < count; i++) {
        PyObject *v = PyList_GET_ITEM(values, i);
        if (!PyUnicode_Check(v))
            Py_RETURN_NONE;
        if (PyUnicode_READY(v) < 0)
            return NULL;
        size += utf8_bound(v);
    }
    char small[4096];
    char *buf = size <= (Py_ssize_t)sizeof(small) ? small : PyMem_Malloc(size);
    if (buf == NULL)
        return PyErr_NoMemory();
    int surrogates = 0;
    char *p = put_utf8(buf, kind, &surrogates);
    *p++ = '\x1e';
    for (i = 0; i < count; i++) {
        if (i)
            *p++ = '\x1f';
        p = put_utf8(p, PyList_GET_ITEM(values, i), &surrogates);
    }
    p = put_utf8(p, tags, &surrogates);
    unsigned char d[32];
    int failed = 0;
    if (sha256_blocks != sha256_blocks_c) {
        uint32_t h[8];
        sha256((const unsigned char *)buf, p - buf, h);
        for (i = 0; i < 32; i++)
            d[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
    } else {
        failed = hash_bytes(sha256_new, buf, p - buf, d, 32);
    }
    if (buf != small)
        PyMem_Free(buf);
    if (failed)
        return NULL;
    char hex[24];
    for (i = 0; i < 12; i++) {
        hex[2 * i] = HEX[d[i] >> 4];
        hex[2 * i + 1] = HEX[d[i] & 15];
    }
    return PyUnicode_FromStringAndSize(hex, 24);
}

/* ---- guid(text) ---- */

static const char BASE91[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~";

static PyObject *nk_guid(PyObject *self, PyObject *text)
{
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "guid(text): text must be a str");
        return NULL;
    }
    if (PyUnicode_READY(text) < 0)
        return NULL;
    Py_ssize_t size = utf8_bound(text);
    char small[1024];
    char *buf = size <= (Py_ssize_t)sizeof(small) ? small : PyMem_Malloc(size ? size : 1);
    if (buf == NULL)
        return PyErr_NoMemory();
    int surrogates = 0;
    char *end = put_utf8(buf, text, &surrogates);
    uint64_t h = 0;
    if (surrogates) { /* strict UTF-8, as str.encode("utf-8"): its error */
        PyObject *strict = PyUnicode_AsUTF8String(text);
        Py_XDECREF(strict);
    } else {
        h = sha256_head((const unsigned char *)buf, end - buf);
    }
    if (buf != small)
        PyMem_Free(buf);
    if (surrogates)
        return NULL;
    char out[16];
    int n = 0;
    while (h) {
        out[15 - n++] = BASE91[h % 91];
        h /= 91;
    }
    return PyUnicode_FromStringAndSize(out + 16 - n, n);
}

/* ---- shuffled(items, key) ---- */

#define MT_N 624
#define MT_M 397

/* The first outputs of MT19937 seeded by `init_by_array(key)`, as CPython's random module computes
 * them; `draw` returns the next 32-bit output. The state is twisted lazily: the first N - M outputs
 * need only the words they read (the rest of the twist is done if ever more are drawn). */
typedef struct {
    uint32_t mt[MT_N];
    int index;   /* next output */
    int twisted; /* words of the next state made, from index 0 */
} MT;

static uint32_t mt_start[MT_N]; /* init_genrand(19650218), where every init_by_array starts: made once */

static void mt_seed(MT *g, const uint32_t *key, size_t key_length)
{
    uint32_t *mt = g->mt;
    size_t i, j, k;
    if (mt_start[0] == 0) {
        mt_start[0] = 19650218U;
        for (i = 1; i < MT_N; i++)
            mt_start[i] = 1812433253U * (mt_start[i - 1] ^ (mt_start[i - 1] >> 30)) + (uint32_t)i;
    }
    memcpy(mt, mt_start, sizeof(mt_start));
    i = 1;
    j = 0;
    for (k = MT_N > key_length ? MT_N : key_length; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1664525U)) + key[j] + (uint32_t)j;
        i++;
        j++;
        if (i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
        if (j >= key_length)
            j = 0;
    }
    for (k = MT_N - 1; k; k--) {
        mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >> 30)) * 1566083941U)) - (uint32_t)i;
        i++;
        if (i >= MT_N) {
            mt[0] = mt[MT_N - 1];
            i = 1;
        }
    }
    mt[0] = 0x80000000U;
    g->index = 0;
    g->twisted = 0;
}

#define MT_WORD(y0, y1) (((y0) & 0x80000000U) | ((y1) & 0x7fffffffU))
#define MT_MAG(y) (((y) & 1U) ? 0x9908b0dfU : 0U)

static uint32_t mt_draw(MT *g)
{
    uint32_t *mt = g->mt;
    if (g->index >= MT_N) { /* a second twist: never for a shuffle of a few options */
        int kk;
        uint32_t y;
        for (kk = 0; kk < MT_N - MT_M; kk++) {
            y = MT_WORD(mt[kk], mt[kk + 1]);
            mt[kk] = mt[kk + MT_M] ^ (y >> 1) ^ MT_MAG(y);
        }
        for (; kk < MT_N - 1; kk++) {
            y = MT_WORD(mt[kk], mt[kk + 1]);
            mt[kk] = mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ MT_MAG(y);
        }
        y = MT_WORD(mt[MT_N - 1], mt[0]);
        mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ MT_MAG(y);
        g->index = 0;
        g->twisted = MT_N;
    }
    while (g->twisted <= g->index) { /* the first twist, word by word, in the order it is made */
        int kk = g->twisted++;
        uint32_t y;
        if (kk < MT_N - MT_M) {
            y = MT_WORD(mt[kk], mt[kk + 1]);
            mt[kk] = mt[kk + MT_M] ^ (y >> 1) ^ MT_MAG(y);
        } else if (kk < MT_N - 1) {
            y = MT_WORD(mt[kk], mt[kk + 1]);
            mt[kk] = mt[kk + (MT_M - MT_N)] ^ (y >> 1) ^ MT_MAG(y);
        } else {
            y = MT_WORD(mt[MT_N - 1], mt[0]);
            mt[MT_N - 1] = mt[MT_M - 1] ^ (y >> 1) ^ MT_MAG(y);
        }
    }
    uint32_t y = mt[g->index++];
    y ^= (y >> 11);
    y ^= (y << 7) & 0x9d2c5680U;
    y ^= (y << 15) & 0xefc60000U;
    y ^= (y >> 18);
    return y;
}

static int bit_length(Py_ssize_t n)
{
    int k = 0;
    while (n) {
        k++;
        n >>= 1;
    }
    return k;
}

static PyObject *nk_shuffled(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyUnicode_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "shuffled(items, key: str)");
        return NULL;
    }
    PyObject *order = PySequence_List(args[0]);
    if (order == NULL)
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(order);
    Py_ssize_t raw_len;
    const char *raw = PyUnicode_AsUTF8AndSize(args[1], &raw_len); /* str.encode(): strict, its error */
    if (raw == NULL) {
        Py_DECREF(order);
        return NULL;
    }
    if (n < 2)
        return order;
    /* Random.seed(str): int.from_bytes(raw + sha512(raw).digest(), "big"); its 32-bit words, least
     * significant first, are the key (as many as the int's bits need). */
    Py_ssize_t total = raw_len + 64;
    unsigned char *bytes = PyMem_Malloc(total);
    uint32_t *key = PyMem_Malloc(sizeof(uint32_t) * ((total + 3) / 4));
    MT *g = PyMem_Malloc(sizeof(MT));
    if (bytes == NULL || key == NULL || g == NULL) {
        PyMem_Free(bytes);
        PyMem_Free(key);
        PyMem_Free(g);
        Py_DECREF(order);
        return PyErr_NoMemory();
    }
    memcpy(bytes, raw, raw_len);
    sha512((const unsigned char *)raw, raw_len, bytes + raw_len);
    Py_ssize_t first = 0;
    while (first < total && bytes[first] == 0)
        first++;
    Py_ssize_t significant = total - first;
    size_t words = significant ? (size_t)(significant + 3) / 4 : 1;
    for (size_t w = 0; w < words; w++) {
        uint32_t v = 0;
        for (int b = 3; b >= 0; b--) {
            Py_ssize_t at = total - 1 - (Py_ssize_t)(4 * w) - b;
            v = v << 8 | (at >= first ? bytes[at] : 0);
        }
        key[w] = v;
    }
    mt_seed(g, key, words);
    /* random.shuffle: Fisher-Yates, each index by _randbelow_with_getrandbits. */
    for (Py_ssize_t i = n - 1; i > 0; i--) {
        int k = bit_length(i + 1);
        Py_ssize_t j = mt_draw(g) >> (32 - k);
        while (j > i)
            j = mt_draw(g) >> (32 - k);
        PyObject *t = PyList_GET_ITEM(order, i);
        PyList_SET_ITEM(order, i, PyList_GET_ITEM(order, j));
        PyList_SET_ITEM(order, j, t);
    }
    PyMem_Free(bytes);
    PyMem_Free(key);
    PyMem_Free(g);
    return order;
}

/* use_sha_instructions(on): whether SHA-256 uses the CPU's SHA instructions (if it has them); returns
 * whether it does now. For the tests, which compare both ways with Python. */
static PyObject *nk_use_sha_instructions(PyObject *self, PyObject *on)
{
    int want = PyObject_IsTrue(on);
    if (want < 0)
        return NULL;
    sha256_blocks = sha256_blocks_c;
#ifdef SHA_INSTRUCTIONS
    if (want && has_sha_instructions())
        sha256_blocks = sha256_blocks_x86;
#endif
    return PyBool_FromLong(sha256_blocks != sha256_blocks_c);
}

static PyMethodDef methods[] = {
    {"digest", (PyCFunction)(void (*)(void))nk_digest, METH_FASTCALL,
     "digest(kind, values, tags_text): notes._digest, or None if a piece is not a str."},
    {"guid", nk_guid, METH_O, "guid(text): notes._guid_of, genanki's GUID of the text."},
    {"shuffled", (PyCFunction)(void (*)(void))nk_shuffled, METH_FASTCALL,
     "shuffled(items, key): a list of items in the order random.Random(key).shuffle gives."},
    {"use_sha_instructions", nk_use_sha_instructions, METH_O,
     "use_sha_instructions(on): SHA-256 by the CPU's SHA instructions (where it has them); whether it now is."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_notekit", "The Anki notes' hashing and ordering, in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__notekit(void)
{
    PyObject *hashlib = PyImport_ImportModule("hashlib");
    if (hashlib == NULL)
        return NULL;
    sha256_new = PyObject_GetAttrString(hashlib, "sha256");
    Py_DECREF(hashlib);
    digest_name = PyUnicode_InternFromString("digest");
    if (sha256_new == NULL || digest_name == NULL)
        return NULL;
#ifdef SHA_INSTRUCTIONS
    if (has_sha_instructions())
        sha256_blocks = sha256_blocks_x86;
#endif
    return PyModule_Create(&module_def);
}
