// Reads GIFT on standard input and prints gift-pegjs's parse as JSON.
// A syntax error prints {"error": …} and exits 1, so the caller sees where.
import { parse } from "gift-pegjs";

let text = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) text += chunk;
try {
  process.stdout.write(JSON.stringify(parse(text)));
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e.message), location: e.location ?? null }));
  process.exit(1);
}
