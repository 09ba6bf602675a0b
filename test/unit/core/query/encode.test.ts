import { describe, expect, it } from "vitest";
import { encodeQuery, encodeValue } from "../../../../src/core/query/encode.js";
import { buildQuerySpec, type QueryInput } from "../../../../src/core/query/query-spec.js";

const now = new Date("2026-11-23T02:00:00.000Z");
const q = (input: QueryInput, page?: { number?: number; size?: number }) =>
  encodeQuery(buildQuerySpec(input, now), page);

describe("query encoding matches the seed's examples byte for byte", () => {
  it("a contains predicate", () => {
    expect(q({ filter: ["name_cont=dns"] })).toBe("filter[name_cont]=dns");
  });

  it("relationship conditions and flag predicates", () => {
    expect(
      q({
        filter: [
          "created_by_email_eq=bob@mycompany.com",
          "regions_code_start=us",
          "resource_not_null=1",
        ],
      }),
    ).toBe(
      "filter[created_by_email_eq]=bob@mycompany.com&filter[regions_code_start]=us&filter[resource_not_null]=1",
    );
  });

  it("a flag predicate without a value sends 1", () => {
    expect(q({ filter: ["identifier_present"] })).toBe("filter[identifier_present]=1");
  });

  it("--any sends filter[m]=or", () => {
    expect(
      q({ filter: ["created_by_email_eq=bob@mycompany.com", "regions_code_start=us"], any: true }),
    ).toBe(
      "filter[created_by_email_eq]=bob@mycompany.com&filter[regions_code_start]=us&filter[m]=or",
    );
  });

  it("list predicates become bracketed arrays", () => {
    expect(q({ filter: ["id_in=1,2"] })).toBe("filter[id_in][]=1&filter[id_in][]=2");
    expect(q({ filter: ["id_not_in=1,2"] })).toBe("filter[id_not_in][]=1&filter[id_not_in][]=2");
    expect(q({ filter: ["name_cont_any=IAM,EC2"] })).toBe(
      "filter[name_cont_any][]=IAM&filter[name_cont_any][]=EC2",
    );
  });

  it("raw filter keys pass through, repeated list keys collect", () => {
    expect(q({ filter: ["filter[id_in][]=1", "filter[id_in][]=2", "filter[name_cont]=dns"] })).toBe(
      "filter[id_in][]=1&filter[id_in][]=2&filter[name_cont]=dns",
    );
    expect(q({ filter: ["filter[m]=or", "filter[sorts]=risk_level desc"] })).toBe(
      "filter[m]=or&filter[sorts]=risk_level+desc",
    );
  });

  it("one sort is a single value with + for the space", () => {
    expect(q({ filter: ["name_cont=dns"], sort: ["risk_level:desc"] })).toBe(
      "filter[name_cont]=dns&filter[sorts]=risk_level+desc",
    );
  });

  it("several sorts are an ordered array; ascending without a direction stays bare", () => {
    expect(q({ filter: ["name_cont=dns"], sort: ["risk_level:desc", "created_at"] })).toBe(
      "filter[name_cont]=dns&filter[sorts][]=risk_level+desc&filter[sorts][]=created_at",
    );
    expect(q({ sort: ["created_at:asc"] })).toBe("filter[sorts]=created_at+asc");
  });

  it("include keeps commas and dots; pages go last", () => {
    expect(q({ include: ["tags,external_account.team"] }, { number: 2, size: 50 })).toBe(
      "include=tags,external_account.team&page[number]=2&page[size]=50",
    );
  });

  it("times keep colons and spaces become +; + itself is escaped", () => {
    expect(q({ filter: ["created_at_lt=2015-11-11 16:25:30"] })).toBe(
      "filter[created_at_lt]=2015-11-11+16:25:30",
    );
    expect(encodeValue("a+b&c=d/é")).toBe("a%2Bb%26c%3Dd%2F%C3%A9");
  });

  it("quick filters map to the documented predicates", () => {
    expect(q({ status: "fail", risk: "high", since: "24h", account: "Dev" })).toBe(
      "filter[status_eq]=fail&filter[risk_level_eq]=high&filter[created_at_gteq]=2026-11-22T02:00:00.000Z&filter[external_account_name_eq]=Dev",
    );
    expect(q({ status: "fail,warn" })).toBe("filter[status_in][]=fail&filter[status_in][]=warn");
    expect(q({ since: "7d" })).toBe("filter[created_at_gteq]=2026-11-16T02:00:00.000Z");
    expect(q({ since: "2026-11-01" })).toBe("filter[created_at_gteq]=2026-11-01T00:00:00.000Z");
    expect(q({ since: "2026-11-01T08:30:00" })).toBe(
      "filter[created_at_gteq]=2026-11-01T08:30:00.000Z",
    );
  });
});

describe("bad input fails before anything is sent (exit 2)", () => {
  const fails = (input: QueryInput, message: RegExp) => {
    let caught: unknown;
    try {
      buildQuerySpec(input, now);
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ exitCode: 2 });
    expect((caught as { line(): string }).line()).toMatch(message);
  };

  it("an unknown predicate lists the valid ones", () => {
    fails(
      { filter: ["status_equals=fail"] },
      /^unknown predicate in --filter "status_equals=fail" — did you mean status_eq=fail\? write attribute_predicate=value with one of: eq, not_eq, lt, gt, lteq, gteq, in, not_in, present, blank, null, not_null, cont, not_cont, cont_any, not_cont_any, start, not_start, end, not_end$/,
    );
    fails(
      { filter: ["status=fail"] },
      /^unknown predicate in --filter "status=fail" — did you mean status_eq=fail\? /,
    );
    fails({ filter: ["filter[name_like]=x"] }, /unknown predicate/);
  });

  it("a missing value, a bad sort, include, since or page size", () => {
    fails({ filter: ["status_eq"] }, /has no value/);
    fails({ sort: ["risk_level:sideways"] }, /invalid --sort/);
    fails({ include: ["a..b"] }, /invalid --include path "a..b"/);
    fails({ since: "yesterday" }, /invalid --since "yesterday"/);
    fails({ pageSize: 101 }, /--page-size must be between 1 and 100, got 101/);
    fails({ filter: ["bad-name_eq=1"] }, /invalid attribute "bad-name"/);
  });
});
