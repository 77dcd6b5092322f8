/* The Anki notes' hashing, ordering and transfer, in C: what `notes.py` does in Python, which is
 * the reference (tests compare the two on the same inputs).
 *
 * - `digest(kind, values, tags_text)`: `notes._digest`, SHA-256 of the pieces' UTF-8 (surrogates
 *   passed through) written once into one buffer instead of joined and encoded; None if a piece
 *   is not a str (the caller then takes the Python path, which raises what Python raises).
 * - `guid(text)`: `notes._guid_of`, genanki's GUID: SHA-256 of the UTF-8, first 8 bytes in base 91.
 * - `shuffled(items, key)`: `notes._shuffled`, the order `random.Random(key).shuffle` gives: the str
 *   seed made into its MT19937 key as `Random.seed` makes it, and only the first few outputs of the
 *   generator computed (a shuffle of a few options needs a few words, not all 624).
 * - `pack(rows)` / `unpack(data)`: a list of tuples of str, int and lists of str as bytes and back,
 *   for a forked child's notes: each str as its code units (no UTF-8 to write or read, which is most
 *   of marshal's time here), an object seen before (shared tag lists, a fact's answer in its myth
 *   notes) sent as a reference, as marshal does. `pack` raises ValueError on any other type.
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

/* ---- pack(rows) / unpack(data) ---- */

/* Tags of the packed form; a length or count follows as 8 bytes, an index or int as 8 bytes. */
enum { T_ASCII = 'a', T_LATIN1 = 'b', T_UCS2 = 'c', T_UCS4 = 'd', T_LIST = 'l', T_TUPLE = 't', T_INT = 'i',
       T_REF = 'r' };

typedef struct {
    char *buf;
    size_t len, cap;
    /* objects written before (their address → their number), for those held more than once */
    PyObject **keys;
    int64_t *nums;
    size_t slots, used;
    int64_t next; /* number of the next object that may be referred to */
} Packer;

static int grow(Packer *w, size_t more)
{
    if (w->len + more <= w->cap)
        return 0;
    size_t cap = w->cap ? w->cap : 1 << 16;
    while (cap < w->len + more)
        cap *= 2;
    char *b = PyMem_Realloc(w->buf, cap);
    if (b == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    w->buf = b;
    w->cap = cap;
    return 0;
}

static inline void put_u64(Packer *w, int64_t v)
{
    memcpy(w->buf + w->len, &v, 8);
    w->len += 8;
}

static size_t slot_of(PyObject *o, size_t mask)
{
    uintptr_t h = (uintptr_t)o >> 4;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ULL;
    return (size_t)(h >> 20) & mask;
}

/* The number `o` was written with, or -1 (then `o` is recorded as the next one). */
static int64_t seen(Packer *w, PyObject *o)
{
    if (2 * (w->used + 1) > w->slots) {
        size_t slots = w->slots ? 2 * w->slots : 1 << 12;
        PyObject **keys = PyMem_Calloc(slots, sizeof(PyObject *));
        int64_t *nums = PyMem_Malloc(slots * sizeof(int64_t));
        if (keys == NULL || nums == NULL) {
            PyMem_Free(keys);
            PyMem_Free(nums);
            PyErr_NoMemory();
            return -2;
        }
        for (size_t i = 0; i < w->slots; i++) {
            if (w->keys[i] == NULL)
                continue;
            size_t s = slot_of(w->keys[i], slots - 1);
            while (keys[s] != NULL)
                s = (s + 1) & (slots - 1);
            keys[s] = w->keys[i];
            nums[s] = w->nums[i];
        }
        PyMem_Free(w->keys);
        PyMem_Free(w->nums);
        w->keys = keys;
        w->nums = nums;
        w->slots = slots;
    }
    size_t s = slot_of(o, w->slots - 1);
    while (w->keys[s] != NULL) {
        if (w->keys[s] == o)
            return w->nums[s];
        s = (s + 1) & (w->slots - 1);
    }
    w->keys[s] = o;
    w->nums[s] = w->next;
    w->used++;
    return -1;
}

static int pack_value(Packer *w, PyObject *v, int depth)
{
    int shared = Py_REFCNT(v) > 1 && (PyUnicode_CheckExact(v) || PyList_CheckExact(v));
    if (shared) {
        int64_t num = seen(w, v);
        if (num == -2)
            return -1;
        if (num >= 0) {
            if (grow(w, 9) < 0)
                return -1;
            w->buf[w->len++] = T_REF;
            put_u64(w, num);
            return 0;
        }
    }
    if (PyUnicode_CheckExact(v)) {
        if (PyUnicode_READY(v) < 0)
            return -1;
        Py_ssize_t n = PyUnicode_GET_LENGTH(v);
        int kind = PyUnicode_KIND(v);
        size_t bytes = (size_t)n * kind;
        if (grow(w, 9 + bytes) < 0)
            return -1;
        w->buf[w->len++] = PyUnicode_IS_ASCII(v) ? T_ASCII
                           : kind == PyUnicode_1BYTE_KIND ? T_LATIN1
                           : kind == PyUnicode_2BYTE_KIND ? T_UCS2 : T_UCS4;
        put_u64(w, n);
        memcpy(w->buf + w->len, PyUnicode_DATA(v), bytes);
        w->len += bytes;
        w->next++; /* every str and list gets a number, as unpack counts them */
        return 0;
    }
    if (PyLong_CheckExact(v)) {
        int overflow;
        long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
        if (overflow) {
            PyErr_SetString(PyExc_ValueError, "pack: an int beyond 64 bits");
            return -1;
        }
        if (x == -1 && PyErr_Occurred())
            return -1;
        if (grow(w, 9) < 0)
            return -1;
        w->buf[w->len++] = T_INT;
        put_u64(w, x);
        return 0;
    }
    int is_list = PyList_CheckExact(v);
    if ((is_list && depth == 2) || (PyTuple_CheckExact(v) && depth == 1)) {
        Py_ssize_t n = PySequence_Fast_GET_SIZE(v);
        if (grow(w, 9) < 0)
            return -1;
        w->buf[w->len++] = is_list ? T_LIST : T_TUPLE;
        put_u64(w, n);
        if (is_list)
            w->next++;
        for (Py_ssize_t i = 0; i < n; i++) {
            /* a list may change under us only through other code: none runs in between */
            if (pack_value(w, PySequence_Fast_GET_ITEM(v, i), depth + 1) < 0)
                return -1;
        }
        return 0;
    }
    PyErr_Format(PyExc_ValueError, "pack: a value of type %.100s", Py_TYPE(v)->tp_name);
    return -1;
}

static PyObject *nk_pack(PyObject *self, PyObject *rows)
{
    if (!PyList_CheckExact(rows)) {
        PyErr_SetString(PyExc_ValueError, "pack(rows): a list of tuples");
        return NULL;
    }
    Packer w = {0};
    PyObject *out = NULL;
    Py_ssize_t n = PyList_GET_SIZE(rows);
    if (grow(&w, 9) < 0)
        goto done;
    w.buf[w.len++] = T_LIST;
    put_u64(&w, n);
    w.next++;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *row = PyList_GET_ITEM(rows, i);
        if (!PyTuple_CheckExact(row)) {
            PyErr_SetString(PyExc_ValueError, "pack(rows): a list of tuples");
            goto done;
        }
        if (pack_value(&w, row, 1) < 0)
            goto done;
    }
    out = PyBytes_FromStringAndSize(w.buf, w.len);
done:
    PyMem_Free(w.buf);
    PyMem_Free(w.keys);
    PyMem_Free(w.nums);
    return out;
}

typedef struct {
    const char *p, *end;
    PyObject **made; /* every str and list made, by number (borrowed: the result holds them) */
    int64_t count, cap;
} Unpacker;

static int take(Unpacker *r, size_t n)
{
    if ((size_t)(r->end - r->p) < n) {
        PyErr_SetString(PyExc_ValueError, "unpack: truncated data");
        return -1;
    }
    return 0;
}

static int64_t get_u64(Unpacker *r)
{
    int64_t v;
    memcpy(&v, r->p, 8);
    r->p += 8;
    return v;
}

static int record(Unpacker *r, PyObject *o)
{
    if (r->count == r->cap) {
        int64_t cap = r->cap ? 2 * r->cap : 1 << 12;
        PyObject **made = PyMem_Realloc(r->made, cap * sizeof(PyObject *));
        if (made == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        r->made = made;
        r->cap = cap;
    }
    r->made[r->count++] = o;
    return 0;
}

static PyObject *unpack_value(Unpacker *r, int depth)
{
    if (take(r, 9) < 0)
        return NULL;
    char tag = *r->p++;
    int64_t n = get_u64(r);
    PyObject *o;
    Py_UCS4 maxchar;
    int width;
    switch (tag) {
    case T_ASCII: maxchar = 127; width = 1; goto str;
    case T_LATIN1: maxchar = 255; width = 1; goto str;
    case T_UCS2: maxchar = 0xffff; width = 2; goto str;
    case T_UCS4: maxchar = 0x10ffff; width = 4;
    str:
        if (n < 0 || take(r, (size_t)n * width) < 0)
            return NULL;
        o = PyUnicode_New(n, maxchar);
        if (o == NULL)
            return NULL;
        memcpy(PyUnicode_DATA(o), r->p, (size_t)n * width);
        r->p += (size_t)n * width;
        if (record(r, o) < 0) {
            Py_DECREF(o);
            return NULL;
        }
        return o;
    case T_INT:
        return PyLong_FromLongLong(n);
    case T_REF:
        if (n < 0 || n >= r->count) {
            PyErr_SetString(PyExc_ValueError, "unpack: a reference to nothing");
            return NULL;
        }
        o = r->made[n];
        Py_INCREF(o);
        return o;
    case T_LIST:
    case T_TUPLE:
        if (n < 0 || depth > 2 || n > r->end - r->p) {
            PyErr_SetString(PyExc_ValueError, "unpack: bad data");
            return NULL;
        }
        o = tag == T_LIST ? PyList_New(n) : PyTuple_New(n);
        if (o == NULL)
            return NULL;
        if (tag == T_LIST && record(r, o) < 0) {
            Py_DECREF(o);
            return NULL;
        }
        for (int64_t i = 0; i < n; i++) {
            PyObject *item = unpack_value(r, depth + 1);
            if (item == NULL) {
                Py_DECREF(o);
                return NULL;
            }
            if (tag == T_LIST)
                PyList_SET_ITEM(o, i, item);
            else
                PyTuple_SET_ITEM(o, i, item);
        }
        return o;
    default:
        PyErr_SetString(PyExc_ValueError, "unpack: bad data");
        return NULL;
    }
}

static PyObject *nk_unpack(PyObject *self, PyObject *data)
{
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0)
        return NULL;
    Unpacker r = {view.buf, (const char *)view.buf + view.len, NULL, 0, 0};
    PyObject *out = unpack_value(&r, 0);
    if (out != NULL && r.p != r.end) {
        Py_DECREF(out);
        PyErr_SetString(PyExc_ValueError, "unpack: data after the end");
        out = NULL;
    }
    PyMem_Free(r.made);
    PyBuffer_Release(&view);
    return out;
}

static PyMethodDef methods[] = {
    {"digest", (PyCFunction)(void (*)(void))nk_digest, METH_FASTCALL,
     "digest(kind, values, tags_text): notes._digest, or None if a piece is not a str."},
    {"guid", nk_guid, METH_O, "guid(text): notes._guid_of, genanki's GUID of the text."},
    {"shuffled", (PyCFunction)(void (*)(void))nk_shuffled, METH_FASTCALL,
     "shuffled(items, key): a list of items in the order random.Random(key).shuffle gives."},
    {"pack", nk_pack, METH_O, "pack(rows): a list of tuples of str, int and lists of str, as bytes."},
    {"unpack", nk_unpack, METH_O, "unpack(data): the rows pack was given."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_notekit", "The Anki notes' hashing, ordering and transfer, in C.", -1, methods,
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
