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
 * SHA-256 and SHA-512 are hashlib's (OpenSSL, which uses the CPU's SHA instructions).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

static PyObject *sha256_new; /* hashlib.sha256 */
static PyObject *sha512_new; /* hashlib.sha512 */
static PyObject *digest_name; /* "digest" */

/* The digest of `data` (n bytes) by `hash_new` (hashlib.sha256 or sha512), into `out` (`size` bytes). */
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
    int failed = hash_bytes(sha256_new, buf, p - buf, d, 32);
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
    unsigned char d[32];
    int failed;
    if (surrogates) { /* strict UTF-8, as str.encode("utf-8"): its error */
        PyObject *strict = PyUnicode_AsUTF8String(text);
        Py_XDECREF(strict);
        failed = 1;
    } else {
        failed = hash_bytes(sha256_new, buf, end - buf, d, 32);
    }
    if (buf != small)
        PyMem_Free(buf);
    if (failed)
        return NULL;
    uint64_t h = 0;
    for (int i = 0; i < 8; i++)
        h = h << 8 | d[i];
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
    if (hash_bytes(sha512_new, raw, raw_len, bytes + raw_len, 64) < 0) {
        PyMem_Free(bytes);
        PyMem_Free(key);
        PyMem_Free(g);
        Py_DECREF(order);
        return NULL;
    }
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

static PyMethodDef methods[] = {
    {"digest", (PyCFunction)(void (*)(void))nk_digest, METH_FASTCALL,
     "digest(kind, values, tags_text): notes._digest, or None if a piece is not a str."},
    {"guid", nk_guid, METH_O, "guid(text): notes._guid_of, genanki's GUID of the text."},
    {"shuffled", (PyCFunction)(void (*)(void))nk_shuffled, METH_FASTCALL,
     "shuffled(items, key): a list of items in the order random.Random(key).shuffle gives."},
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
    sha512_new = PyObject_GetAttrString(hashlib, "sha512");
    Py_DECREF(hashlib);
    digest_name = PyUnicode_InternFromString("digest");
    if (sha256_new == NULL || sha512_new == NULL || digest_name == NULL)
        return NULL;
    return PyModule_Create(&module_def);
}
