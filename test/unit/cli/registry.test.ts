import { describe, expect, it } from "vitest";
import { commandGroups, commandsFor, nounSummaries } from "../../../src/cli/registry.js";

describe("command registry", () => {
  it("declares, for each group, exactly the first words of the commands it loads", async () => {
    for (const group of commandGroups) {
      const specs = await group.load();
      const firstWords = [...new Set(specs.map((spec) => spec.path[0]))];
      expect(firstWords.sort()).toEqual([...group.nouns].sort());
    }
  });

  it("loads no command for `grc --help` and `grc`, one noun's for `grc auth status`", async () => {
    expect(await commandsFor(["--help"])).toEqual([]);
    expect(await commandsFor([])).toEqual([]);
    const auth = await commandsFor(["auth", "status"]);
    expect(new Set(auth.map((spec) => spec.path[0]))).toEqual(new Set(["auth"]));
  });

  it("loads every command for a word it does not know, so commander can suggest one", async () => {
    const all = await commandsFor(["atuh"]);
    expect(new Set(all.map((spec) => spec.path[0]))).toEqual(
      new Set(commandGroups.flatMap((g) => g.nouns)),
    );
  });

  it("has a summary for every top-level noun (grc --help lists them before loading any)", () => {
    for (const noun of commandGroups.flatMap((g) => g.nouns)) {
      expect(nounSummaries[noun], noun).toBeTruthy();
    }
  });
});
