import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { loadColour, painter } from "../../../src/output/paint.js";

describe("painter", () => {
  it("without colour, every style and chain returns the text as chalk's level 0 does", () => {
    const plain = painter(false);
    const chalk0 = new Chalk({ level: 0 });
    for (const [a, b] of [
      [plain.bold("x"), chalk0.bold("x")],
      [plain.red.bold("a", "b"), chalk0.red.bold("a", "b")],
      [plain.hex("#ff0000")("y"), chalk0.hex("#ff0000")("y")],
      [plain.dim(""), chalk0.dim("")],
    ]) {
      expect(a).toBe(b);
    }
  });

  it("with colour, paints with chalk at the basic level once chalk is loaded", async () => {
    await loadColour();
    expect(painter(true).red("x")).toBe("\u001b[31mx\u001b[39m");
  });
});
