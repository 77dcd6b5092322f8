/* The common part of the bank subset of YAML, read in C.
 *
 * `read(text)` returns (data, root, positions, spans) for a document made only of the
 * lines banks are mostly written in, or None for anything else: then `fastyaml` reads the
 * text with its Python reader, which is the reference. Every rule here mirrors a rule of
 * that reader (named in the comments); where mirroring would take more than a few lines
 * (escapes, single quotes, block scalars, comments after values, nulls, flow lists
 * written other than '[a, "b"]'), this reader gives up on the whole document instead.
 *
 * Text is read as code points (PyUnicode kinds), so columns count code points as Python
 * does. Whitespace tests use Py_UNICODE_ISSPACE, the test behind str.rstrip() and re's \s.
 *
 * Positions (line << 20 | column, 1-based) of every container go to one flat int64
 * buffer; two more buffers hold each container's id() and its span there, offset << 32 |
 * count (Python makes a dict of them only if a place is ever asked for).
 *
 * `fields(value)` is the structural check's fast lane for a fact (see its section below);
 * `objects(values, prefix)` the same lane building the model's objects of plainly valid facts
 * (load._structure); `norms(facts)` every fact's normalised texts (model.compute_norms).
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <string.h>

#define COL_BITS 20
#define COL_MASK ((1 << COL_BITS) - 1)
#define MAX_DEPTH 100 /* banks nest a few levels; deeper documents go to the Python reader */
#define GIVE_UP 1     /* return code: not handled here (no exception set) */
#define KEY_CACHE 256 /* a power of two */
#define SLOT(obj, off) (*(PyObject **)((char *)(obj) + (off))) /* an object's slot, by its offset */

typedef struct {
    Py_ssize_t start; /* first character after the indentation */
    Py_ssize_t row;   /* 0-based line number in the text */
    int32_t len;      /* up to the last non-space character */
    int32_t indent;
} Line;

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t n;
    Line *lines;
    Py_ssize_t nlines, lines_cap;
    int64_t *scratch; /* positions of the containers being read, innermost last */
    Py_ssize_t scratch_len, scratch_cap;
    int64_t *flat; /* positions of finished containers */
    Py_ssize_t flat_len, flat_cap;
    int64_t *ids; /* id() of each finished container, and its span in `flat` */
    int64_t *spans;
    Py_ssize_t spans_len, ids_cap, spans_cap;
    PyObject *keys[KEY_CACHE]; /* recent keys, by a hash of their text */
    int depth;
} Reader;

#define CH(i) PyUnicode_READ(r->kind, r->data, (i))

static int in_set(Py_UCS4 c, const char *set)
{
    return c != 0 && c < 128 && strchr(set, (int)c) != NULL;
}

/* _SIMPLE_PAIR's key and plain value may not start with these (nor with whitespace). */
#define SIMPLE_KEY_BAD "-?:,[]{}#&*!|>'\"%@`"
#define SIMPLE_VALUE_BAD "-?:,[]{}#&*!|>'\"%@`~"
/* _BAD_KEY_START, _BAD_PLAIN_START */
#define KEY_START_BAD " '\"#?:,[]{}&*!|>%@`"
#define PLAIN_START_BAD "-?:,[]{}#&*!|>'\"%@`"
/* _PLAIN_ITEM: first character, and characters that end an item */
#define ITEM_START_BAD "-?:,[]{}#&*!|>'\"%@`~"
#define ITEM_STOP ",[]{}#'\"\t"

static int grow(int64_t **buf, Py_ssize_t *cap, Py_ssize_t need)
{
    if (need <= *cap)
        return 0;
    Py_ssize_t cap2 = *cap ? *cap : 1024;
    while (cap2 < need) {
        if (cap2 > PY_SSIZE_T_MAX / 2 / (Py_ssize_t)sizeof(int64_t)) {
            PyErr_NoMemory();
            return -1;
        }
        cap2 *= 2;
    }
    int64_t *b = PyMem_Realloc(*buf, (size_t)cap2 * sizeof(int64_t));
    if (b == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *buf = b;
    *cap = cap2;
    return 0;
}

static int push(Reader *r, int64_t pos)
{
    if (r->scratch_len == r->scratch_cap && grow(&r->scratch, &r->scratch_cap, r->scratch_len + 1) < 0)
        return -1;
    r->scratch[r->scratch_len++] = pos;
    return 0;
}

/* A container is complete: its positions (scratch from `mark` on) move to the flat buffer. */
static int finish(Reader *r, PyObject *container, Py_ssize_t mark)
{
    Py_ssize_t count = r->scratch_len - mark;
    Py_ssize_t off = r->flat_len;
    if (off >= ((Py_ssize_t)1 << 30) || count >= ((Py_ssize_t)1 << 31))
        return GIVE_UP;
    if (grow(&r->flat, &r->flat_cap, off + count) < 0)
        return -1;
    if (count)
        memcpy(r->flat + off, r->scratch + mark, (size_t)count * sizeof(int64_t));
    r->flat_len += count;
    r->scratch_len = mark;
    if (grow(&r->ids, &r->ids_cap, r->spans_len + 1) < 0 || grow(&r->spans, &r->spans_cap, r->spans_len + 1) < 0)
        return -1;
    r->ids[r->spans_len] = (int64_t)(uintptr_t)container; /* what id() returns */
    r->spans[r->spans_len++] = ((int64_t)off << 32) | (int64_t)count;
    return 0;
}

/* _NOT_PRINTABLE: the characters YAML allows, minus tab, CR, NEL, LS and PS. */
static inline int printable(Py_UCS4 c)
{
    if (c < 0x7f)
        return c >= 0x20 || c == '\n';
    if (c < 0xa0)
        return 0;
    if (c < 0xd800)
        return c != 0x2028 && c != 0x2029;
    if (c < 0xe000)
        return 0;
    if (c < 0x10000)
        return c <= 0xfffd;
    return c <= 0x10ffff;
}

/* Whether every character is printable, a block at a time with no branch per character (a loop
 * the compiler can vectorise): the same test as `printable`, on 1- and 2-byte kinds. */
#define BLOCK 4096
#define NOT_PRINTABLE(c)                                                                           \
    (((c) < 0x20 && (c) != '\n') | ((c) >= 0x7f && (c) < 0xa0) | ((c) == 0x2028) | ((c) == 0x2029) | \
     ((c) >= 0xd800 && (c) < 0xe000) | ((c) >= 0xfffe))

#define ALL_PRINTABLE(TYPE)                                                                        \
    do {                                                                                           \
        const TYPE *p = (const TYPE *)r->data;                                                     \
        for (Py_ssize_t at = 0; at < r->n; at += BLOCK) {                                          \
            Py_ssize_t end = at + BLOCK < r->n ? at + BLOCK : r->n;                                \
            unsigned bad = 0;                                                                      \
            for (Py_ssize_t i = at; i < end; i++) {                                                \
                unsigned c = p[i];                                                                 \
                bad |= NOT_PRINTABLE(c);                                                           \
            }                                                                                      \
            if (bad)                                                                               \
                return GIVE_UP;                                                                    \
        }                                                                                          \
    } while (0)

#define ALL_PRINTABLE_WIDE()                                                                       \
    do {                                                                                           \
        const Py_UCS4 *p = (const Py_UCS4 *)r->data;                                               \
        for (Py_ssize_t i = 0; i < r->n; i++)                                                      \
            if (!printable(p[i]))                                                                  \
                return GIVE_UP;                                                                    \
    } while (0)

/* The offset of the next line break at or after `i`, or r->n: memchr finds it at C library speed
 * (in 2-byte text, a 0x0a byte that is the low byte of a '\n' character). */
static Py_ssize_t next_break(Reader *r, Py_ssize_t i)
{
    if (r->kind == PyUnicode_1BYTE_KIND) {
        const char *p = (const char *)r->data;
        const char *q = memchr(p + i, '\n', (size_t)(r->n - i));
        return q ? q - p : r->n;
    }
    if (r->kind == PyUnicode_2BYTE_KIND) {
        const Py_UCS2 *p = (const Py_UCS2 *)r->data;
        const char *bytes = (const char *)r->data, *end = (const char *)(p + r->n);
        const char *from = (const char *)(p + i);
        while (from < end) {
            const char *q = memchr(from, '\n', (size_t)(end - from));
            if (q == NULL)
                break;
            Py_ssize_t off = q - bytes;
            if (off % 2 == 0 || PY_LITTLE_ENDIAN == 0) { /* the character's low byte comes first */
                Py_ssize_t at = off / 2;
                if (p[at] == '\n')
                    return at;
            }
            from = q + 1;
        }
        return r->n;
    }
    while (i < r->n && CH(i) != '\n')
        i++;
    return i;
}

/* _Reader.__init__: the meaningful lines (not blank, not a comment). */
static int split_lines(Reader *r)
{
    if (r->kind == PyUnicode_1BYTE_KIND)
        ALL_PRINTABLE(Py_UCS1);
    else if (r->kind == PyUnicode_2BYTE_KIND)
        ALL_PRINTABLE(Py_UCS2);
    else
        ALL_PRINTABLE_WIDE();
    Py_ssize_t row = 0, ls = 0;
    while (ls <= r->n) {
        Py_ssize_t le = next_break(r, ls);
        /* Columns must fit in COL_BITS (the Python reader's limit is looser: stricter is safe). */
        if (le - ls >= COL_MASK)
            return GIVE_UP;
        Py_ssize_t s = ls;
        while (s < le && CH(s) == ' ')
            s++;
        if (s < le && CH(s) != '#') {
            Py_ssize_t e = le;
            while (e > s && CH(e - 1) == ' ')
                e--;
            if (s == ls) {
                Py_UCS4 c = CH(s);
                if (c == '%')
                    return GIVE_UP; /* a directive */
                if ((c == '-' || c == '.') && e - s >= 3 && CH(s + 1) == c && CH(s + 2) == c)
                    return GIVE_UP; /* '---' or '...' */
            }
            if (r->nlines == r->lines_cap) {
                Py_ssize_t cap = r->lines_cap ? r->lines_cap * 2 : 4096;
                if (cap > PY_SSIZE_T_MAX / (Py_ssize_t)sizeof(Line)) {
                    PyErr_NoMemory();
                    return -1;
                }
                Line *l = PyMem_Realloc(r->lines, (size_t)cap * sizeof(Line));
                if (l == NULL) {
                    PyErr_NoMemory();
                    return -1;
                }
                r->lines = l;
                r->lines_cap = cap;
            }
            Line *L = &r->lines[r->nlines++];
            L->start = s;
            L->row = row;
            L->len = (int32_t)(e - s);
            L->indent = (int32_t)(s - ls);
        }
        row++;
        ls = le + 1;
    }
    return 0;
}

static int is_dash(Reader *r, const Line *L) /* s.startswith("- ") or s == "-" */
{
    return CH(L->start) == '-' && (L->len == 1 || CH(L->start + 1) == ' ');
}

static int64_t place(Py_ssize_t line, Py_ssize_t col)
{
    return ((int64_t)line << COL_BITS) | (int64_t)col;
}

/* _NULLS */
static int is_null(Reader *r, Py_ssize_t a, Py_ssize_t b)
{
    Py_ssize_t n = b - a;
    if (n == 0)
        return 1;
    if (n == 1)
        return CH(a) == '~';
    if (n != 4)
        return 0;
    Py_UCS4 c0 = CH(a), c1 = CH(a + 1), c2 = CH(a + 2), c3 = CH(a + 3);
    if (c0 != 'n' && c0 != 'N')
        return 0;
    return (c1 == 'u' && c2 == 'l' && c3 == 'l') || (c0 == 'N' && c1 == 'U' && c2 == 'L' && c3 == 'L');
}

/* _key: 1 when s[a:b] is a 'key: ...' or 'key:' line (key is s[a:key_end], the value starts at rest). */
static int key_line(Reader *r, Py_ssize_t a, Py_ssize_t b, Py_ssize_t *key_end, Py_ssize_t *rest)
{
    Py_ssize_t i = a;
    while (i < b && CH(i) != ':')
        i++;
    if (i >= b || i == a)
        return 0;
    if (i + 1 < b && CH(i + 1) != ' ')
        return 0;
    Py_ssize_t e = i;
    while (e > a && CH(e - 1) == ' ')
        e--;
    if (e == a)
        return 0;
    Py_UCS4 c0 = CH(a);
    if (in_set(c0, KEY_START_BAD))
        return 0;
    for (Py_ssize_t k = a; k < e; k++)
        if (CH(k) == '#')
            return 0;
    if (c0 == '-' && (e - a == 1 || CH(a + 1) == ' '))
        return 0;
    Py_ssize_t p = i + 1;
    while (p < b && CH(p) == ' ')
        p++;
    *key_end = e;
    *rest = p;
    return 1;
}

#define ANY_OF(TYPE)                                                                               \
    do {                                                                                           \
        const TYPE *p = (const TYPE *)r->data;                                                     \
        int found = 0;                                                                             \
        for (Py_ssize_t i = a; i < b; i++)                                                         \
            found |= (p[i] == c1) | (p[i] == c2);                                                  \
        return found;                                                                              \
    } while (0)

/* Whether s[a:b] holds c1 or c2: no branch per character (short lines; a loop the compiler can
 * vectorise), where a loop stopping at the first would test each. */
static int any_of(Reader *r, Py_ssize_t a, Py_ssize_t b, Py_UCS4 c1, Py_UCS4 c2)
{
    if (r->kind == PyUnicode_1BYTE_KIND)
        ANY_OF(Py_UCS1);
    if (r->kind == PyUnicode_2BYTE_KIND)
        ANY_OF(Py_UCS2);
    ANY_OF(Py_UCS4);
}

enum { NO_MATCH = 0, V_QUOTED = 2, V_PLAIN = 3, V_FLOW = 4 }; /* _SIMPLE_PAIR's groups */

/* _SIMPLE_PAIR.fullmatch(s[a:b]): which value group matched, the key's end and the value's span
 * (a quoted value's span includes its quotes). */
static int simple_pair(Reader *r, Py_ssize_t a, Py_ssize_t b, Py_ssize_t *key_end, Py_ssize_t *vs,
                       Py_ssize_t *ve)
{
    Py_UCS4 c = CH(a);
    if (Py_UNICODE_ISSPACE(c) || in_set(c, SIMPLE_KEY_BAD))
        return NO_MATCH;
    Py_ssize_t colon = a + 1;
    for (;; colon++) {
        if (colon >= b)
            return NO_MATCH;
        c = CH(colon);
        if (c == '#')
            return NO_MATCH;
        if (c == ':')
            break;
    }
    Py_ssize_t e = colon;
    while (e > a + 1 && CH(e - 1) == ' ')
        e--;
    Py_ssize_t p = colon + 1;
    if (p >= b || CH(p) != ' ')
        return NO_MATCH;
    while (p < b && CH(p) == ' ')
        p++;
    if (p >= b)
        return NO_MATCH;
    *key_end = e;
    *vs = p;
    *ve = b;
    c = CH(p);
    if (c == '"') /* the first '"' after it ends the line, and no '\\' comes before */
        return b - p >= 2 && CH(b - 1) == '"' && !any_of(r, p + 1, b - 1, '"', '\\') ? V_QUOTED : NO_MATCH;
    if (c == '[')
        return V_FLOW;
    if (Py_UNICODE_ISSPACE(c) || in_set(c, SIMPLE_VALUE_BAD))
        return NO_MATCH;
    return any_of(r, p + 1, b, ':', '#') ? NO_MATCH : V_PLAIN;
}

static PyObject *substring(Reader *r, PyObject *text, Py_ssize_t a, Py_ssize_t b)
{
    (void)r;
    return PyUnicode_Substring(text, a, b);
}

/* _flow_list, its first path only: '[' items separated by ', ' ']' where an item is "text
 * without escapes" or a _PLAIN_ITEM; also '[]'. s[a:b] is the whole rest of the line. */
static int flow_list(Reader *r, PyObject *text, Py_ssize_t a, Py_ssize_t b, Py_ssize_t line,
                     Py_ssize_t col, PyObject **out)
{
    PyObject *list = PyList_New(0);
    if (list == NULL)
        return -1;
    Py_ssize_t mark = r->scratch_len;
    int rc = GIVE_UP;
    if (b - a == 2 && CH(a + 1) == ']')
        goto done;
    for (Py_ssize_t p = a + 1;;) {
        if (p >= b)
            goto fail;
        Py_UCS4 c = CH(p);
        Py_ssize_t vs, ve, q;
        if (c == '"') {
            for (q = p + 1; q < b && CH(q) != '"'; q++)
                if (CH(q) == '\\')
                    goto fail;
            if (q >= b)
                goto fail;
            vs = p + 1;
            ve = q++;
        } else {
            if (Py_UNICODE_ISSPACE(c) || in_set(c, ITEM_START_BAD))
                goto fail;
            for (q = p + 1; q < b; q++) {
                Py_UCS4 d = CH(q);
                if (in_set(d, ITEM_STOP))
                    break;
                if (d == ':' && q + 1 < b) {
                    Py_UCS4 f = CH(q + 1);
                    if (Py_UNICODE_ISSPACE(f) || f == ',' || f == ']')
                        break;
                }
            }
            if (CH(q - 1) == ' ')
                goto fail;
            vs = p;
            ve = q;
            if (is_null(r, vs, ve))
                goto fail; /* the general path reads it as None */
        }
        if (push(r, place(line, col + (p - a))) < 0) {
            rc = -1;
            goto fail;
        }
        PyObject *item = substring(r, text, vs, ve);
        if (item == NULL || PyList_Append(list, item) < 0) {
            Py_XDECREF(item);
            rc = -1;
            goto fail;
        }
        Py_DECREF(item);
        if (q >= b)
            goto fail;
        c = CH(q);
        if (c == ']') {
            if (q != b - 1)
                goto fail;
            break;
        }
        if (c != ',' || q + 1 >= b || CH(q + 1) != ' ')
            goto fail;
        p = q + 2;
    }
done:
    rc = finish(r, list, mark);
    if (rc != 0)
        goto fail;
    *out = list;
    return 0;
fail:
    r->scratch_len = mark;
    Py_DECREF(list);
    return rc;
}

/* _scalar for a sequence item s[a:b]: "text without escapes" (a comment may follow), a flow
 * list, or _plain. */
static int scalar(Reader *r, PyObject *text, Py_ssize_t a, Py_ssize_t b, Py_ssize_t line, Py_ssize_t col,
                  PyObject **out)
{
    Py_UCS4 c = CH(a);
    if (c == '"') {
        Py_ssize_t q = a + 1;
        for (; q < b && CH(q) != '"'; q++)
            if (CH(q) == '\\')
                return GIVE_UP;
        if (q >= b)
            return GIVE_UP;
        Py_ssize_t t = q + 1; /* _COMMENT_TAIL */
        while (t < b && CH(t) == ' ')
            t++;
        if (t < b && CH(t) != '#')
            return GIVE_UP;
        *out = substring(r, text, a + 1, q);
        return *out ? 0 : -1;
    }
    if (c == '\'')
        return GIVE_UP;
    if (c == '[')
        return flow_list(r, text, a, b, line, col, out);
    /* _plain */
    Py_ssize_t e = b;
    for (Py_ssize_t q = a; q + 1 < b; q++)
        if (CH(q) == ' ' && CH(q + 1) == '#') {
            e = q;
            break;
        }
    /* str.rstrip() also strips no-break and other Unicode spaces, which libyaml keeps: give
     * such a value to the Python reader, as it is, rather than copy a doubtful result. */
    while (e > a && Py_UNICODE_ISSPACE(CH(e - 1))) {
        if (CH(e - 1) != ' ')
            return GIVE_UP;
        e--;
    }
    if (is_null(r, a, e))
        return GIVE_UP;
    for (Py_ssize_t q = a; q < e; q++) {
        Py_UCS4 d = CH(q);
        if (d == '\t' || (d == ':' && q + 1 < e && CH(q + 1) == ' '))
            return GIVE_UP;
    }
    if (CH(e - 1) == ':')
        return GIVE_UP;
    if (in_set(c, PLAIN_START_BAD) && !(in_set(c, "-?:") && e - a > 1 && CH(a + 1) != ' '))
        return GIVE_UP;
    *out = substring(r, text, a, e);
    return *out ? 0 : -1;
}

static int block(Reader *r, PyObject *text, Py_ssize_t i, int indent, PyObject **out, Py_ssize_t *next);
static int sequence(Reader *r, PyObject *text, Py_ssize_t i, int indent, PyObject **out, Py_ssize_t *next);

/* A key's text, interned and cached: every fact repeats the same few keys. GIVE_UP for '<<'
 * (a merge key to libyaml): the Python reader decides. */
static int new_key(Reader *r, PyObject *text, Py_ssize_t a, Py_ssize_t e, PyObject **key)
{
    Py_ssize_t n = e - a;
    if (n == 2 && CH(a) == '<' && CH(a + 1) == '<')
        return GIVE_UP;
    uint32_t h = 2166136261u; /* FNV-1a over the code points */
    for (Py_ssize_t k = a; k < e; k++)
        h = (h ^ (uint32_t)CH(k)) * 16777619u;
    PyObject **slot = &r->keys[h & (KEY_CACHE - 1)];
    PyObject *k = *slot;
    if (k != NULL && PyUnicode_GET_LENGTH(k) == n) {
        int kk = PyUnicode_KIND(k);
        const void *kd = PyUnicode_DATA(k);
        Py_ssize_t j = 0;
        while (j < n && PyUnicode_READ(kk, kd, j) == CH(a + j))
            j++;
        if (j == n) {
            Py_INCREF(k);
            *key = k;
            return 0;
        }
    }
    k = substring(r, text, a, e);
    if (k == NULL)
        return -1;
    PyUnicode_InternInPlace(&k);
    Py_INCREF(k);
    Py_XSETREF(*slot, k);
    *key = k;
    return 0;
}

/* dict[key] = value, or GIVE_UP when the key is already there (a duplicate key). */
static int set_new(PyObject *dict, PyObject *key, PyObject *value)
{
    Py_ssize_t before = PyDict_GET_SIZE(dict);
    if (PyDict_SetDefault(dict, key, value) == NULL)
        return -1;
    return PyDict_GET_SIZE(dict) == before ? GIVE_UP : 0;
}

/* _Reader.mapping; `first` >= 0: the first key starts there, after a sequence's '- '. */
static int mapping(Reader *r, PyObject *text, Py_ssize_t i, int indent, Py_ssize_t first, PyObject **out,
                   Py_ssize_t *next)
{
    if (++r->depth > MAX_DEPTH) {
        r->depth--;
        return GIVE_UP;
    }
    PyObject *dict = PyDict_New();
    if (dict == NULL) {
        r->depth--;
        return -1;
    }
    Py_ssize_t mark = r->scratch_len;
    int rc;
    while (i < r->nlines) {
        const Line *L = &r->lines[i];
        Py_ssize_t a, b = L->start + L->len;
        int ind;
        if (first >= 0) {
            a = first;
            ind = indent;
            first = -1;
        } else {
            if (L->indent != indent) {
                if (L->indent > indent) {
                    rc = GIVE_UP; /* unexpected indentation */
                    goto fail;
                }
                break;
            }
            a = L->start;
            ind = L->indent;
        }
        Py_ssize_t line = L->row + 1;
        Py_ssize_t ke, vs, ve;
        PyObject *key = NULL, *value = NULL;
        int which = simple_pair(r, a, b, &ke, &vs, &ve);
        if (which != NO_MATCH) {
            rc = new_key(r, text, a, ke, &key);
            if (rc)
                goto fail;
            Py_ssize_t col = ind + (vs - a) + 1;
            if (which == V_QUOTED) {
                value = substring(r, text, vs + 1, ve - 1);
                rc = value ? 0 : -1;
            } else if (which == V_PLAIN) {
                if (is_null(r, vs, ve))
                    rc = GIVE_UP;
                else {
                    value = substring(r, text, vs, ve);
                    rc = value ? 0 : -1;
                }
            } else {
                rc = flow_list(r, text, vs, ve, line, col, &value);
            }
            if (rc == 0)
                rc = push(r, place(line, ind + 1));
            if (rc == 0)
                rc = push(r, place(line, col));
            if (rc == 0)
                rc = set_new(dict, key, value);
            Py_DECREF(key);
            Py_XDECREF(value);
            if (rc)
                goto fail;
            i++;
            if (i < r->nlines && r->lines[i].indent > indent) {
                rc = GIVE_UP; /* a continuation line */
                goto fail;
            }
            continue;
        }
        /* 'key:' alone (a comment may follow): a nested block, a sequence at the same indent,
         * or an empty value. Any other line goes to the Python reader. */
        Py_ssize_t rest;
        if (!key_line(r, a, b, &ke, &rest) || (rest < b && CH(rest) != '#')) {
            rc = GIVE_UP;
            goto fail;
        }
        rc = new_key(r, text, a, ke, &key);
        if (rc)
            goto fail;
        rc = push(r, place(line, ind + 1));
        i++;
        if (rc == 0) {
            if (i < r->nlines && r->lines[i].indent > indent) {
                const Line *N = &r->lines[i];
                rc = push(r, place(N->row + 1, N->indent + 1));
                if (rc == 0)
                    rc = block(r, text, i, N->indent, &value, &i);
            } else if (i < r->nlines && r->lines[i].indent == indent && is_dash(r, &r->lines[i])) {
                const Line *N = &r->lines[i];
                rc = push(r, place(N->row + 1, N->indent + 1));
                if (rc == 0)
                    rc = sequence(r, text, i, indent, &value, &i);
            } else if (CH(ke) != ':') {
                rc = GIVE_UP; /* 'key :' with no value: the Python reader places it as it always has */
            } else {
                rc = push(r, place(line, ind + (ke - a) + 2)); /* just after the colon */
                value = Py_None;
                Py_INCREF(value);
            }
        }
        if (rc == 0)
            rc = set_new(dict, key, value);
        Py_DECREF(key);
        Py_XDECREF(value);
        if (rc)
            goto fail;
    }
    rc = finish(r, dict, mark);
    if (rc)
        goto fail;
    r->depth--;
    *out = dict;
    *next = i;
    return 0;
fail:
    r->depth--;
    r->scratch_len = mark;
    Py_DECREF(dict);
    return rc;
}

/* _Reader.sequence */
static int sequence(Reader *r, PyObject *text, Py_ssize_t i, int indent, PyObject **out, Py_ssize_t *next)
{
    if (++r->depth > MAX_DEPTH) {
        r->depth--;
        return GIVE_UP;
    }
    PyObject *list = PyList_New(0);
    if (list == NULL) {
        r->depth--;
        return -1;
    }
    Py_ssize_t mark = r->scratch_len;
    int rc;
    while (i < r->nlines) {
        const Line *L = &r->lines[i];
        if (L->indent != indent || !is_dash(r, L)) {
            if (L->indent > indent) {
                rc = GIVE_UP;
                goto fail;
            }
            break;
        }
        Py_ssize_t a = L->start + 2, b = L->start + L->len;
        while (a < b && CH(a) == ' ')
            a++;
        if (a >= b) { /* '-' alone: an empty entry */
            rc = GIVE_UP;
            goto fail;
        }
        Py_ssize_t item_indent = indent + (a - L->start);
        Py_UCS4 c = CH(a);
        if ((c == '-' && (b - a == 1 || CH(a + 1) == ' ')) || c == '|' || c == '>') {
            rc = GIVE_UP;
            goto fail;
        }
        rc = push(r, place(L->row + 1, item_indent + 1));
        if (rc)
            goto fail;
        PyObject *value = NULL;
        Py_ssize_t ke, rest;
        if (c != '"' && c != '\'' && c != '[' && key_line(r, a, b, &ke, &rest)) {
            /* '- key: value' starts a mapping whose keys line up with 'key' */
            rc = mapping(r, text, i, (int)item_indent, a, &value, &i);
            if (rc == 0)
                rc = PyList_Append(list, value);
            Py_XDECREF(value);
            if (rc)
                goto fail;
            continue;
        }
        i++;
        rc = scalar(r, text, a, b, L->row + 1, item_indent + 1, &value);
        if (rc == 0)
            rc = PyList_Append(list, value);
        Py_XDECREF(value);
        if (rc)
            goto fail;
        if (i < r->nlines && r->lines[i].indent > indent) {
            rc = GIVE_UP;
            goto fail;
        }
    }
    rc = finish(r, list, mark);
    if (rc)
        goto fail;
    r->depth--;
    *out = list;
    *next = i;
    return 0;
fail:
    r->depth--;
    r->scratch_len = mark;
    Py_DECREF(list);
    return rc;
}

/* _Reader.block */
static int block(Reader *r, PyObject *text, Py_ssize_t i, int indent, PyObject **out, Py_ssize_t *next)
{
    if (is_dash(r, &r->lines[i]))
        return sequence(r, text, i, indent, out, next);
    return mapping(r, text, i, indent, -1, out, next);
}

/* ---- The fast lane of the structural check, for the shapes of a fact ----------------------
 *
 * schema.fast_fields in C: a mapping plainly valid against its shape comes back as the same
 * mapping `fast_fields` (and so `Validator.fields`) gives; anything else, or anything this code
 * is unsure of, comes back as None, and then the Python fast lane decides, exactly as before.
 * So this code only ever has to be right when it says yes. The shapes are given once by
 * schema.py (`lane(shapes)`), from its SHAPES table. */

enum { K_TEXT, K_SLUG, K_TEXTS, K_SLUGS, K_TAGS, K_LIST };
#define LANE_SHAPES 8
#define LANE_KEYS 24
#define MAX_TEXT_LEN 10000 /* schema.MAX_TEXT: the limit of all of a mapping's texts together */

typedef struct {
    PyObject *name;
    int kind, required, sub;
    Py_ssize_t limit, max_items;
} LaneKey;

typedef struct {
    int nkeys;
    LaneKey keys[LANE_KEYS];
} LaneShape;

static LaneShape lane_shapes[LANE_SHAPES];
static int lane_count = 0;

typedef struct {
    Py_ssize_t total; /* characters of the texts, each followed by a line break */
    int ntexts;
} TextSum;

/* str.strip(): the very object when there is nothing to strip; NULL (no error) for anything but
 * an exact str. */
static PyObject *lane_strip(PyObject *v)
{
    if (!PyUnicode_CheckExact(v))
        return NULL;
    Py_ssize_t n = PyUnicode_GET_LENGTH(v);
    if (n == 0 || (!Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(v, 0)) &&
                   !Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(v, n - 1)))) {
        Py_INCREF(v);
        return v;
    }
    PyObject *out = PyObject_CallMethod(v, "strip", NULL);
    if (out == NULL)
        PyErr_Clear();
    return out;
}

/* slug_<limit>: [a-z0-9][a-z0-9._-]{0,limit-1}, whole */
static int lane_slug(PyObject *t, Py_ssize_t limit)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(t);
    if (n < 1 || n > limit || !PyUnicode_IS_ASCII(t))
        return 0;
    const Py_UCS1 *p = PyUnicode_1BYTE_DATA(t);
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS1 c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i && (c == '.' || c == '_' || c == '-'))))
            return 0;
    }
    return 1;
}

/* One text of the mapping: no bad character (_BAD_ASCII, _BAD_WIDE), no lone surrogate, and beyond
 * ASCII something visible, which here means some printable ASCII character (else: unsure, 0). */
static int lane_text(PyObject *t, TextSum *sum)
{
    Py_ssize_t n = PyUnicode_GET_LENGTH(t);
    sum->total += n + 1;
    sum->ntexts++;
    int kind = PyUnicode_KIND(t);
    const void *d = PyUnicode_DATA(t);
    int ascii = PyUnicode_IS_ASCII(t), visible = 0;
    if (ascii) { /* the usual text: its control characters, sought with no branch per character */
        const Py_UCS1 *p = d;
        int bad = 0;
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS1 c = p[i];
            bad |= (c < 0x20 && c != '\t' && c != '\n' && c != '\r') | (c == 0x7f);
        }
        return !bad;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, d, i);
        if (c < 0x20) {
            if (c != '\t' && c != '\n' && c != '\r')
                return 0;
        } else if (c < 0x7f) {
            visible |= c != ' ';
        } else if (c <= 0x9f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) ||
                   (c >= 0xd800 && c <= 0xdfff)) {
            return 0;
        }
    }
    return ascii || visible;
}

/* A list of text (TEXTS, SLUGS, TAGS), stripped, or NULL (no error) when not plainly valid. */
static PyObject *lane_texts(const LaneKey *k, PyObject *v, TextSum *sum)
{
    Py_ssize_t n = PyList_GET_SIZE(v);
    PyObject *out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *t = lane_strip(PyList_GET_ITEM(v, i));
        if (t == NULL)
            goto fail;
        PyList_SET_ITEM(out, i, t);
        Py_ssize_t len = PyUnicode_GET_LENGTH(t);
        if (k->kind == K_SLUGS) {
            if (!lane_slug(t, k->limit))
                goto fail;
            continue;
        }
        if (len == 0 || (k->limit < MAX_TEXT_LEN && len > k->limit) || !lane_text(t, sum))
            goto fail;
        if (k->kind == K_TAGS) {
            int tk = PyUnicode_KIND(t);
            const void *td = PyUnicode_DATA(t);
            for (Py_ssize_t j = 0; j < len; j++)
                if (Py_UNICODE_ISSPACE(PyUnicode_READ(tk, td, j)))
                    goto fail;
        }
    }
    return out;
fail:
    Py_DECREF(out);
    return NULL;
}

/* What a shape's plainly valid mapping becomes when objects are built (`objects`): an instance of
 * `cls`, each key in the slot of its name, a missing optional key as an empty list or text (as
 * load._fact reads them), and a few more slots: the data path, the index in the list, True, None. */
enum { EXTRA_PATH, EXTRA_INDEX, EXTRA_TRUE, EXTRA_NONE };
#define LANE_EXTRAS 4

typedef struct {
    PyTypeObject *cls; /* NULL: no objects for this shape */
    Py_ssize_t slot[LANE_KEYS];
    int ascii[LANE_KEYS]; /* the value must be ASCII (else: unsure) */
    int nextras;
    int extra[LANE_EXTRAS];
    Py_ssize_t extra_slot[LANE_EXTRAS];
} LaneClass;

static LaneClass lane_classes[LANE_SHAPES];

/* Where an object being built sits: its data path and its index in its list (NULL path: a dict
 * is built, as `fields` gives it). */
typedef struct {
    PyObject *path;
    Py_ssize_t index;
} Place;

static PyObject *lane_mapping(int shape, PyObject *value, TextSum *sum, const Place *at);

/* path + (name, index), or path + (index,) without a name; NULL (error set) on failure. */
static PyObject *path_plus(PyObject *path, PyObject *name, Py_ssize_t index)
{
    Py_ssize_t n = PyTuple_GET_SIZE(path), k = n;
    PyObject *i = PyLong_FromSsize_t(index);
    PyObject *out = i ? PyTuple_New(n + 1 + (name != NULL)) : NULL;
    if (out == NULL) {
        Py_XDECREF(i);
        return NULL;
    }
    for (Py_ssize_t j = 0; j < n; j++)
        PyTuple_SET_ITEM(out, j, Py_NewRef(PyTuple_GET_ITEM(path, j)));
    if (name != NULL)
        PyTuple_SET_ITEM(out, k++, Py_NewRef(name));
    PyTuple_SET_ITEM(out, k, i);
    return out;
}

static PyObject *lane_value(const LaneKey *k, PyObject *v, TextSum *sum, const Place *at)
{
    if (k->kind == K_TEXT || k->kind == K_SLUG) {
        PyObject *t = lane_strip(v);
        if (t == NULL)
            return NULL;
        Py_ssize_t len = PyUnicode_GET_LENGTH(t);
        int ok = k->kind == K_SLUG ? lane_slug(t, k->limit)
                                   : len > 0 && (k->limit >= MAX_TEXT_LEN || len <= k->limit) && lane_text(t, sum);
        if (!ok) {
            Py_DECREF(t);
            return NULL;
        }
        return t;
    }
    if (!PyList_CheckExact(v))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(v);
    if ((k->required && n == 0) || (k->max_items && n > k->max_items))
        return NULL;
    if (k->kind != K_LIST)
        return lane_texts(k, v, sum);
    PyObject *out = PyList_New(n);
    if (out == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item;
        if (at == NULL)
            item = lane_mapping(k->sub, PyList_GET_ITEM(v, i), sum, NULL);
        else {
            Place item_at = {path_plus(at->path, k->name, i), i};
            item = item_at.path ? lane_mapping(k->sub, PyList_GET_ITEM(v, i), sum, &item_at) : NULL;
            Py_XDECREF(item_at.path);
        }
        if (item == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, item);
    }
    return out;
}

static int all_ascii(PyObject *v)
{
    if (PyUnicode_Check(v))
        return PyUnicode_IS_ASCII(v);
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(v); i++)
        if (!PyUnicode_IS_ASCII(PyList_GET_ITEM(v, i)))
            return 0;
    return 1;
}

/* The object of `lane_classes[shape]` holding `vals` (taken over, NULL where a key is missing). */
static PyObject *lane_object(int shape, PyObject **vals, const Place *at)
{
    const LaneShape *sh = &lane_shapes[shape];
    const LaneClass *c = &lane_classes[shape];
    for (int j = 0; j < sh->nkeys; j++)
        if (c->ascii[j] && vals[j] != NULL && !all_ascii(vals[j]))
            return NULL; /* load._fact normalises such text (NFC): left to it */
    for (int j = 0; j < sh->nkeys; j++)
        if (vals[j] == NULL) {
            int kind = sh->keys[j].kind;
            vals[j] = kind == K_TEXT || kind == K_SLUG ? PyUnicode_New(0, 0) : PyList_New(0);
            if (vals[j] == NULL)
                return NULL;
        }
    PyObject *extras[LANE_EXTRAS];
    for (int e = 0; e < c->nextras; e++) {
        int what = c->extra[e];
        extras[e] = what == EXTRA_PATH    ? Py_NewRef(at->path)
                    : what == EXTRA_INDEX ? PyLong_FromSsize_t(at->index)
                    : what == EXTRA_TRUE  ? Py_NewRef(Py_True)
                                          : Py_NewRef(Py_None);
        if (extras[e] == NULL) {
            while (e--)
                Py_DECREF(extras[e]);
            return NULL;
        }
    }
    PyObject *obj = c->cls->tp_alloc(c->cls, 0);
    if (obj == NULL) {
        for (int e = 0; e < c->nextras; e++)
            Py_DECREF(extras[e]);
        return NULL;
    }
    for (int j = 0; j < sh->nkeys; j++) {
        SLOT(obj, c->slot[j]) = vals[j];
        vals[j] = NULL;
    }
    for (int e = 0; e < c->nextras; e++)
        SLOT(obj, c->extra_slot[e]) = extras[e];
    return obj;
}

/* The mapping's valid keys in the order of fast_<shape> (its required texts and ids first, then the
 * rest in the shape's order), or its object when `at` is given, or NULL (no error) when it is not
 * plainly valid. */
static PyObject *lane_mapping(int shape, PyObject *value, TextSum *sum, const Place *at)
{
    const LaneShape *sh = &lane_shapes[shape];
    if (!PyDict_CheckExact(value))
        return NULL;
    PyObject *v;
    PyObject *vals[LANE_KEYS] = {NULL};
    int order[LANE_KEYS], n = 0;
    Py_ssize_t present = 0; /* keys of the shape found in the mapping: all its keys, or one is unknown */
    PyObject *out = NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (int j = 0; j < sh->nkeys; j++) {
            const LaneKey *k = &sh->keys[j];
            int first = k->required && (k->kind == K_TEXT || k->kind == K_SLUG);
            if (first != (pass == 0))
                continue;
            v = PyDict_GetItemWithError(value, k->name);
            if (v == NULL) {
                if (PyErr_Occurred())
                    PyErr_Clear();
                if (k->required)
                    goto done;
                continue;
            }
            present++;
            if (v == Py_None && !k->required)
                continue; /* an optional key left empty is left out */
            vals[j] = lane_value(k, v, sum, at);
            if (vals[j] == NULL)
                goto done;
            order[n++] = j;
        }
    }
    if (present != PyDict_GET_SIZE(value))
        goto done; /* a key the shape does not know */
    if (at != NULL) {
        out = lane_object(shape, vals, at);
        goto done;
    }
    out = PyDict_New();
    for (int i = 0; out != NULL && i < n; i++)
        if (PyDict_SetItem(out, sh->keys[order[i]].name, vals[order[i]]) < 0) {
            PyErr_Clear();
            Py_CLEAR(out);
        }
done:
    for (int j = 0; j < sh->nkeys; j++)
        Py_XDECREF(vals[j]);
    return out;
}

PyDoc_STRVAR(lane_doc,
             "lane(shapes) -> None\n\n"
             "The shapes the fast lane checks, shape 0 first: each a tuple of keys (name, kind, required,\n"
             "limit, max_items, sub), kind 0-5: text, slug, texts, slugs, tags, list of shape `sub`.");

static PyObject *fy_lane(PyObject *module, PyObject *shapes)
{
    (void)module;
    if (!PyTuple_Check(shapes) || PyTuple_GET_SIZE(shapes) > LANE_SHAPES) {
        PyErr_SetString(PyExc_ValueError, "lane() needs a tuple of at most 8 shapes");
        return NULL;
    }
    LaneShape made[LANE_SHAPES];
    Py_ssize_t ns = PyTuple_GET_SIZE(shapes);
    for (Py_ssize_t i = 0; i < ns; i++) {
        PyObject *keys = PyTuple_GET_ITEM(shapes, i);
        if (!PyTuple_Check(keys) || PyTuple_GET_SIZE(keys) > LANE_KEYS) {
            PyErr_SetString(PyExc_ValueError, "a shape is a tuple of at most 24 keys");
            return NULL;
        }
        made[i].nkeys = (int)PyTuple_GET_SIZE(keys);
        for (int j = 0; j < made[i].nkeys; j++) {
            LaneKey *k = &made[i].keys[j];
            PyObject *name;
            if (!PyArg_ParseTuple(PyTuple_GET_ITEM(keys, j), "Uiinni", &name, &k->kind, &k->required, &k->limit,
                                  &k->max_items, &k->sub))
                return NULL;
            if (k->kind < K_TEXT || k->kind > K_LIST || (k->kind == K_LIST && (k->sub <= 0 || k->sub >= ns))) {
                PyErr_SetString(PyExc_ValueError, "bad key kind or sub-shape");
                return NULL;
            }
            Py_INCREF(name);
            PyUnicode_InternInPlace(&name);
            k->name = name; /* kept for the life of the process */
        }
    }
    memcpy(lane_shapes, made, sizeof made);
    lane_count = (int)ns;
    for (int i = 0; i < LANE_SHAPES; i++) /* the classes fitted the shapes before: classes() again */
        Py_CLEAR(lane_classes[i].cls);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(fields_doc,
             "fields(value) -> dict or None\n\n"
             "schema.fast_fields for shape 0 of lane(): the valid mapping, or None when the value is not\n"
             "plainly valid or this code is unsure (then ask the Python fast lane).");

static PyObject *fy_fields(PyObject *module, PyObject *value)
{
    (void)module;
    if (lane_count == 0) {
        PyErr_SetString(PyExc_RuntimeError, "no shapes: call lane() first");
        return NULL;
    }
    TextSum sum = {0, 0};
    PyObject *out = lane_mapping(0, value, &sum, NULL);
    if (out != NULL && sum.total - (sum.ntexts > 0) > MAX_TEXT_LEN)
        Py_CLEAR(out); /* together within the smallest long limit: see fast_fields */
    if (out == NULL) {
        if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_MemoryError))
            PyErr_Clear();
        if (PyErr_Occurred())
            return NULL;
        Py_RETURN_NONE;
    }
    return out;
}

PyDoc_STRVAR(read_doc,
             "read(text) -> (data, root, positions, ids, spans) or None\n\n"
             "The document in the common part of the bank subset, or None when anything in it lies\n"
             "outside that part (the Python reader then reads it). positions, ids, spans: native\n"
             "int64 bytes; positions: line << 20 | column; the container with id ids[k] has its\n"
             "positions at spans[k] >> 32, spans[k] & 0xFFFFFFFF of them.");

static PyObject *fy_read(PyObject *module, PyObject *text)
{
    (void)module;
    if (!PyUnicode_Check(text)) {
        PyErr_SetString(PyExc_TypeError, "read() needs a str");
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(text) < 0)
        return NULL;
#endif
    Reader reader;
    Reader *r = &reader;
    memset(r, 0, sizeof *r);
    r->kind = PyUnicode_KIND(text);
    r->data = PyUnicode_DATA(text);
    r->n = PyUnicode_GET_LENGTH(text);
    PyObject *data = NULL, *result = NULL;
    int rc = split_lines(r);
    if (rc == 0 && r->nlines == 0)
        rc = GIVE_UP; /* an empty document */
    Py_ssize_t end = 0;
    if (rc == 0)
        rc = block(r, text, 0, r->lines[0].indent, &data, &end);
    if (rc == 0 && end != r->nlines)
        rc = GIVE_UP; /* trailing content */
    if (rc == 0) {
        PyObject *root = PyLong_FromLongLong(place(r->lines[0].row + 1, r->lines[0].indent + 1));
        PyObject *flat = PyBytes_FromStringAndSize((const char *)r->flat,
                                                   r->flat_len * (Py_ssize_t)sizeof(int64_t));
        PyObject *ids = PyBytes_FromStringAndSize((const char *)r->ids,
                                                  r->spans_len * (Py_ssize_t)sizeof(int64_t));
        PyObject *spans = PyBytes_FromStringAndSize((const char *)r->spans,
                                                    r->spans_len * (Py_ssize_t)sizeof(int64_t));
        if (root && flat && ids && spans)
            result = PyTuple_Pack(5, data, root, flat, ids, spans);
        Py_XDECREF(root);
        Py_XDECREF(flat);
        Py_XDECREF(ids);
        Py_XDECREF(spans);
    } else if (rc == GIVE_UP) {
        result = Py_None;
        Py_INCREF(result);
    }
    Py_XDECREF(data);
    for (int k = 0; k < KEY_CACHE; k++)
        Py_XDECREF(r->keys[k]);
    PyMem_Free(r->ids);
    PyMem_Free(r->spans);
    PyMem_Free(r->lines);
    PyMem_Free(r->scratch);
    PyMem_Free(r->flat);
    return result;
}

/* ---- Every fact's normalised texts (model.compute_norms), in C --------------------------------
 *
 * For each fact: its answer, accept, errors' says and distractors normalised, as `norm` gives them,
 * in a FactNorms, with whether no two are alike. Plain ASCII text (normalize._PLAIN_ASCII: letters,
 * digits and $+<=>|` in words with single spaces between) is only lower-cased; any other text is
 * handed to `norm` itself. The classes' slots are found once by name (`norm_lane`). */

typedef struct {
    PyTypeObject *fact, *error, *norms;
    Py_ssize_t answer, accept, errors, distractors, cache; /* Fact */
    Py_ssize_t says;                                       /* SourceError */
    Py_ssize_t n_answer, n_accept, n_says, n_distractors, n_distinct; /* FactNorms */
    PyObject *norm;
} NormLane;

static NormLane norm_lane = {0};

/* The offset of the slot `name` of `type` (a plain object slot, as __slots__ makes), or -1 (error set). */
static Py_ssize_t slot_offset(PyTypeObject *type, const char *name)
{
    PyObject *d = PyObject_GetAttrString((PyObject *)type, name);
    if (d == NULL)
        return -1;
    Py_ssize_t off = -1;
    if (Py_IS_TYPE(d, &PyMemberDescr_Type) && ((PyMemberDescrObject *)d)->d_member->type == T_OBJECT_EX &&
        !(((PyMemberDescrObject *)d)->d_member->flags & READONLY))
        off = ((PyMemberDescrObject *)d)->d_member->offset;
    else
        PyErr_Format(PyExc_TypeError, "%s.%s is not a slot", type->tp_name, name);
    Py_DECREF(d);
    return off;
}

PyDoc_STRVAR(norm_lane_doc, "norm_lane(Fact, SourceError, FactNorms, norm) -> None\n\n"
                            "The classes and the function `norms` works with.");

static PyObject *fy_norm_lane(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *fact, *error, *norms, *norm;
    if (!PyArg_ParseTuple(args, "O!O!O!O", &PyType_Type, &fact, &PyType_Type, &error, &PyType_Type, &norms, &norm))
        return NULL;
    NormLane l;
    l.fact = (PyTypeObject *)fact;
    l.error = (PyTypeObject *)error;
    l.norms = (PyTypeObject *)norms;
    l.norm = norm;
    if ((l.answer = slot_offset(l.fact, "answer")) < 0 || (l.accept = slot_offset(l.fact, "accept")) < 0 ||
        (l.errors = slot_offset(l.fact, "errors")) < 0 || (l.distractors = slot_offset(l.fact, "distractors")) < 0 ||
        (l.cache = slot_offset(l.fact, "_norms")) < 0 || (l.says = slot_offset(l.error, "says")) < 0 ||
        (l.n_answer = slot_offset(l.norms, "answer")) < 0 || (l.n_accept = slot_offset(l.norms, "accept")) < 0 ||
        (l.n_says = slot_offset(l.norms, "says")) < 0 || (l.n_distractors = slot_offset(l.norms, "distractors")) < 0 ||
        (l.n_distinct = slot_offset(l.norms, "distinct")) < 0)
        return NULL;
    Py_INCREF(fact);
    Py_INCREF(error);
    Py_INCREF(norms);
    Py_INCREF(norm);
    Py_XDECREF(norm_lane.fact);
    Py_XDECREF(norm_lane.error);
    Py_XDECREF(norm_lane.norms);
    Py_XDECREF(norm_lane.norm);
    norm_lane = l;
    Py_RETURN_NONE;
}

/* The characters of _PLAIN_ASCII's words. */
static unsigned char plain_char[128];

static void init_plain_chars(void)
{
    const char *set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$+<=>|`";
    for (const char *c = set; *c; c++)
        plain_char[(unsigned char)*c] = 1;
}

/* norm(t), a new reference, or NULL (error set). */
static PyObject *norm_text(PyObject *t)
{
    if (PyUnicode_CheckExact(t) && PyUnicode_IS_ASCII(t)) {
        Py_ssize_t n = PyUnicode_GET_LENGTH(t);
        const Py_UCS1 *p = PyUnicode_1BYTE_DATA(t);
        int plain = n > 0 && p[0] != ' ' && p[n - 1] != ' ', upper = 0;
        for (Py_ssize_t i = 0; plain && i < n; i++) {
            Py_UCS1 c = p[i];
            if (c == ' ')
                plain = p[i + 1] != ' '; /* the last is no space: i + 1 < n */
            else if (!plain_char[c])
                plain = 0;
            else
                upper |= c >= 'A' && c <= 'Z';
        }
        if (plain) {
            if (!upper) { /* already in lower case: itself, as norm gives it */
                Py_INCREF(t);
                return t;
            }
            PyObject *out = PyUnicode_New(n, 127);
            if (out == NULL)
                return NULL;
            Py_UCS1 *q = PyUnicode_1BYTE_DATA(out);
            for (Py_ssize_t i = 0; i < n; i++)
                q[i] = p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i];
            return out;
        }
    }
    PyObject *out = PyObject_CallOneArg(norm_lane.norm, t);
    if (out != NULL && !PyUnicode_Check(out)) {
        Py_DECREF(out);
        PyErr_SetString(PyExc_TypeError, "norm() gave no text");
        return NULL;
    }
    return out;
}

/* The norms of each text of a list (NULL, error set, on failure or when it is no list). */
static PyObject *norm_list(PyObject *texts)
{
    if (!PyList_CheckExact(texts)) {
        PyErr_SetString(PyExc_TypeError, "a list of texts was expected");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(texts);
    PyObject *out = PyList_New(n);
    for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
        PyObject *t = norm_text(PyList_GET_ITEM(texts, i));
        if (t == NULL)
            Py_CLEAR(out);
        else
            PyList_SET_ITEM(out, i, t);
    }
    return out;
}

/* Whether no two of the texts are alike: pairs compared for a few, a set for more (never quadratic). */
static int all_distinct(PyObject **every, Py_ssize_t n)
{
    if (n <= 8) {
        for (Py_ssize_t i = 1; i < n; i++)
            for (Py_ssize_t j = 0; j < i; j++) {
                int eq = PyUnicode_Compare(every[i], every[j]);
                if (eq == -1 && PyErr_Occurred())
                    return -1;
                if (eq == 0)
                    return 0;
            }
        return 1;
    }
    PyObject *set = PySet_New(NULL);
    if (set == NULL)
        return -1;
    for (Py_ssize_t i = 0; i < n; i++)
        if (PySet_Add(set, every[i]) < 0) {
            Py_DECREF(set);
            return -1;
        }
    int distinct = PySet_GET_SIZE(set) == n;
    Py_DECREF(set);
    return distinct;
}

/* Whether `f` is a Fact as `fact_norms` reads it: its texts in place, its lists exact lists, its
 * errors SourceErrors with their says. */
static int norms_readable(PyObject *f)
{
    const NormLane *l = &norm_lane;
    if (!Py_IS_TYPE(f, l->fact) || SLOT(f, l->answer) == NULL)
        return 0;
    PyObject *accept = SLOT(f, l->accept), *errors = SLOT(f, l->errors), *distractors = SLOT(f, l->distractors);
    if (accept == NULL || errors == NULL || distractors == NULL || !PyList_CheckExact(accept) ||
        !PyList_CheckExact(errors) || !PyList_CheckExact(distractors))
        return 0;
    for (Py_ssize_t j = 0; j < PyList_GET_SIZE(errors); j++) {
        PyObject *e = PyList_GET_ITEM(errors, j);
        if (!Py_IS_TYPE(e, l->error) || SLOT(e, l->says) == NULL)
            return 0;
    }
    return 1;
}

/* One fact's FactNorms (the fact passed `norms_readable`), set in its cache slot; -1 (error set) on
 * failure. */
static int fact_norms(PyObject *f)
{
    const NormLane *l = &norm_lane;
    PyObject *errors = SLOT(f, l->errors);
    Py_ssize_t nerr = PyList_GET_SIZE(errors);
    PyObject *out = NULL, **every = NULL, *accept = NULL, *distractors = NULL, *says = NULL;
    PyObject *answer = norm_text(SLOT(f, l->answer));
    if (answer == NULL || (accept = norm_list(SLOT(f, l->accept))) == NULL ||
        (says = PyList_New(nerr)) == NULL)
        goto done;
    for (Py_ssize_t j = 0; j < nerr; j++) {
        PyObject *t = norm_text(SLOT(PyList_GET_ITEM(errors, j), l->says));
        if (t == NULL)
            goto done;
        PyList_SET_ITEM(says, j, t);
    }
    if ((distractors = norm_list(SLOT(f, l->distractors))) == NULL)
        goto done;
    Py_ssize_t na = PyList_GET_SIZE(accept), nd = PyList_GET_SIZE(distractors), n = 1 + na + nerr + nd, k = 0;
    every = PyMem_Malloc((size_t)n * sizeof(PyObject *));
    if (every == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    every[k++] = answer;
    for (Py_ssize_t i = 0; i < na; i++)
        every[k++] = PyList_GET_ITEM(accept, i);
    for (Py_ssize_t i = 0; i < nerr; i++)
        every[k++] = PyList_GET_ITEM(says, i);
    for (Py_ssize_t i = 0; i < nd; i++)
        every[k++] = PyList_GET_ITEM(distractors, i);
    int distinct = all_distinct(every, n);
    if (distinct < 0)
        goto done;
    out = l->norms->tp_alloc(l->norms, 0);
    if (out == NULL)
        goto done;
    SLOT(out, l->n_answer) = answer;
    SLOT(out, l->n_accept) = accept;
    SLOT(out, l->n_says) = says;
    SLOT(out, l->n_distractors) = distractors;
    SLOT(out, l->n_distinct) = Py_NewRef(distinct ? Py_True : Py_False);
    answer = accept = says = distractors = NULL;
    Py_XSETREF(SLOT(f, l->cache), out);
done:
    PyMem_Free(every);
    Py_XDECREF(answer);
    Py_XDECREF(accept);
    Py_XDECREF(says);
    Py_XDECREF(distractors);
    return out == NULL ? -1 : 0;
}

PyDoc_STRVAR(norms_doc, "norms(facts) -> bool\n\n"
                        "model.compute_norms: every fact's FactNorms set. False when a fact is not a Fact as\n"
                        "`norm_lane` gave it, with lists of texts (nothing set: the Python code does it all).");

static PyObject *fy_norms(PyObject *module, PyObject *facts)
{
    (void)module;
    if (norm_lane.fact == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "no classes: call norm_lane() first");
        return NULL;
    }
    if (!PyList_CheckExact(facts))
        Py_RETURN_FALSE;
    Py_ssize_t n = PyList_GET_SIZE(facts);
    for (Py_ssize_t i = 0; i < n; i++)
        if (!norms_readable(PyList_GET_ITEM(facts, i)))
            Py_RETURN_FALSE;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *f = PyList_GET_ITEM(facts, i);
        Py_INCREF(f);
        int rc = fact_norms(f);
        Py_DECREF(f);
        if (rc < 0)
            return NULL;
    }
    Py_RETURN_TRUE;
}

/* ---- The objects of plainly valid facts, built at once -------------------------------------- */

PyDoc_STRVAR(classes_doc,
             "classes(classes) -> None\n\n"
             "What `objects` builds for each shape of lane(), in its order: (cls, extras, ascii), cls a\n"
             "class with a slot for each key of the shape; extras: (slot name, what) pairs, what 0-3: the\n"
             "data path, the index in its list, True, None; ascii: names of keys whose values must be\n"
             "ASCII (anything else is left to the Python code).");

static PyObject *fy_classes(PyObject *module, PyObject *classes)
{
    (void)module;
    if (!PyTuple_Check(classes) || PyTuple_GET_SIZE(classes) != lane_count) {
        PyErr_SetString(PyExc_ValueError, "classes() needs a tuple with a class for each shape of lane()");
        return NULL;
    }
    LaneClass made[LANE_SHAPES];
    memset(made, 0, sizeof made);
    for (int i = 0; i < lane_count; i++) {
        PyObject *cls, *extras, *ascii;
        if (!PyArg_ParseTuple(PyTuple_GET_ITEM(classes, i), "O!O!O!", &PyType_Type, &cls, &PyTuple_Type, &extras,
                              &PyTuple_Type, &ascii))
            return NULL;
        LaneClass *c = &made[i];
        const LaneShape *sh = &lane_shapes[i];
        c->cls = (PyTypeObject *)cls;
        for (int j = 0; j < sh->nkeys; j++) {
            c->slot[j] = slot_offset(c->cls, PyUnicode_AsUTF8(sh->keys[j].name));
            if (c->slot[j] < 0)
                return NULL;
            int contains = PySequence_Contains(ascii, sh->keys[j].name);
            if (contains < 0)
                return NULL;
            c->ascii[j] = contains;
        }
        if (PyTuple_GET_SIZE(extras) > LANE_EXTRAS) {
            PyErr_SetString(PyExc_ValueError, "at most 4 extras");
            return NULL;
        }
        c->nextras = (int)PyTuple_GET_SIZE(extras);
        for (int e = 0; e < c->nextras; e++) {
            const char *name;
            if (!PyArg_ParseTuple(PyTuple_GET_ITEM(extras, e), "si", &name, &c->extra[e]))
                return NULL;
            if (c->extra[e] < EXTRA_PATH || c->extra[e] > EXTRA_NONE) {
                PyErr_SetString(PyExc_ValueError, "an extra is 0-3");
                return NULL;
            }
            if ((c->extra_slot[e] = slot_offset(c->cls, name)) < 0)
                return NULL;
        }
    }
    for (int i = 0; i < lane_count; i++) {
        Py_INCREF(made[i].cls);
        Py_XDECREF(lane_classes[i].cls);
    }
    memcpy(lane_classes, made, sizeof made);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(objects_doc,
             "objects(values, prefix) -> (objects, todo)\n\n"
             "For each value of the list, the object of shape 0 (see classes()) when `fields` would take\n"
             "it, at the data path prefix + (index,); else None, its index in `todo` (the Python code\n"
             "reads it).");

static PyObject *fy_objects(PyObject *module, PyObject *args)
{
    (void)module;
    PyObject *values, *prefix;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &values, &PyTuple_Type, &prefix))
        return NULL;
    if (lane_count == 0 || lane_classes[0].cls == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "no classes: call lane() and classes() first");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(values);
    PyObject *out = PyList_New(n), *todo = PyList_New(0);
    if (out == NULL || todo == NULL) {
        Py_XDECREF(out);
        Py_XDECREF(todo);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        TextSum sum = {0, 0};
        Place at = {path_plus(prefix, NULL, i), i};
        PyObject *value = Py_NewRef(PyList_GET_ITEM(values, i));
        PyObject *obj = at.path ? lane_mapping(0, value, &sum, &at) : NULL;
        Py_DECREF(value);
        Py_XDECREF(at.path);
        if (obj != NULL && sum.total - (sum.ntexts > 0) > MAX_TEXT_LEN)
            Py_CLEAR(obj); /* together within the smallest long limit: see fast_fields */
        if (obj == NULL) {
            if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_MemoryError))
                PyErr_Clear();
            PyObject *index = PyErr_Occurred() ? NULL : PyLong_FromSsize_t(i);
            if (index == NULL || PyList_Append(todo, index) < 0) {
                Py_XDECREF(index);
                Py_DECREF(out);
                Py_DECREF(todo);
                return NULL;
            }
            Py_DECREF(index);
            obj = Py_NewRef(Py_None);
        }
        PyList_SET_ITEM(out, i, obj);
    }
    PyObject *result = PyTuple_Pack(2, out, todo);
    Py_DECREF(out);
    Py_DECREF(todo);
    return result;
}

static PyMethodDef methods[] = {
    {"read", fy_read, METH_O, read_doc},
    {"lane", fy_lane, METH_O, lane_doc},
    {"fields", fy_fields, METH_O, fields_doc},
    {"norm_lane", fy_norm_lane, METH_VARARGS, norm_lane_doc},
    {"norms", fy_norms, METH_O, norms_doc},
    {"classes", fy_classes, METH_O, classes_doc},
    {"objects", fy_objects, METH_VARARGS, objects_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_fastyaml", "The bank subset of YAML, its common part, read in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__fastyaml(void)
{
    init_plain_chars();
    return PyModule_Create(&module_def);
}
