import { describe, expect, it } from "vitest";
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGE_SIZE,
  paginate,
  parsePageNumber,
  parsePageSize,
} from "../../../../src/mock/jsonapi/paging.js";
import { query, titles } from "../../../helpers/jsonapi-store.js";

describe("pagination", () => {
  it("defaults to page 1 of size 20 with first/self/last and no prev/next", () => {
    const res = query("signatures", "");
    expect(res.ids).toHaveLength(5);
    expect(res.document.links).toEqual({
      self: "https://api.example.test/api/v2/signatures.json?page%5Bnumber%5D=1&page%5Bsize%5D=20",
      first: "https://api.example.test/api/v2/signatures.json?page%5Bnumber%5D=1&page%5Bsize%5D=20",
      last: "https://api.example.test/api/v2/signatures.json?page%5Bnumber%5D=1&page%5Bsize%5D=20",
    });
  });

  it("builds prev/next/last on a middle page and keeps the filters, encoded like the document", () => {
    const res = query(
      "signatures",
      "filter[sorts]=risk_level+desc&filter[id_in][]=1&filter[id_in][]=2&filter[id_in][]=3&filter[id_in][]=4&filter[id_in][]=5&include=&page[number]=2&page[size]=2",
    );
    expect(res.ids).toEqual(["1", "5"]);
    const base =
      "https://api.example.test/api/v2/signatures.json?filter%5Bsorts%5D=risk_level+desc&filter%5Bid_in%5D%5B%5D=1&filter%5Bid_in%5D%5B%5D=2&filter%5Bid_in%5D%5B%5D=3&filter%5Bid_in%5D%5B%5D=4&filter%5Bid_in%5D%5B%5D=5&include=";
    expect(res.document.links).toEqual({
      self: `${base}&page%5Bnumber%5D=2&page%5Bsize%5D=2`,
      first: `${base}&page%5Bnumber%5D=1&page%5Bsize%5D=2`,
      prev: `${base}&page%5Bnumber%5D=1&page%5Bsize%5D=2`,
      next: `${base}&page%5Bnumber%5D=3&page%5Bsize%5D=2`,
      last: `${base}&page%5Bnumber%5D=3&page%5Bsize%5D=2`,
    });
    expect(res.document.meta).toEqual({ total_count: 5, page_count: 3 });
  });

  it("walks every page exactly once by following next", () => {
    const seen: string[] = [];
    let qs = "page[size]=2&filter[sorts]=score";
    for (let guard = 0; guard < 10; guard++) {
      const res = query("signatures", qs);
      seen.push(...res.ids);
      const next = res.document.links?.next;
      if (!next) break;
      qs = new URL(next).search.slice(1);
    }
    expect(seen).toEqual(["4", "1", "3", "2", "5"]);
  });

  it("answers a page past the end with empty data and a prev link", () => {
    const res = query("signatures", "page[number]=9&page[size]=2");
    expect(res.status).toBe(200);
    expect(res.ids).toEqual([]);
    expect(res.document.links?.prev).toContain("page%5Bnumber%5D=3");
    expect(res.document.links?.next).toBeUndefined();
  });

  it("refuses page sizes outside 1..100 and bad page numbers with 422", () => {
    for (const qs of [
      "page[size]=0",
      "page[size]=101",
      "page[size]=abc",
      "page[number]=0",
      "page[number]=-1",
    ]) {
      const res = query("signatures", qs);
      expect(res.status, qs).toBe(422);
      expect(res.document.errors?.[0]?.status).toBe("422");
    }
    expect(titles(query("signatures", "page[size]=101").document)).toEqual([
      "page[size] must be an integer between 1 and 100, got 101",
    ]);
    expect(query("signatures", "page[size]=100").status).toBe(200);
    expect(query("signatures", "page[size]=1").ids).toEqual(["1"]);
  });
});

describe("page parameters and links on their own", () => {
  it("defaults to page 1 of 20, and allows 1..100", () => {
    expect([DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE]).toEqual([20, 100]);
    expect(parsePageNumber(undefined)).toBe(1);
    expect(parsePageNumber("")).toBe(1);
    expect(parsePageSize(undefined)).toBe(20);
    expect(parsePageSize("100")).toBe(100);
    expect(() => parsePageNumber("1.5")).toThrow(
      "page[number] must be a positive integer, got 1.5",
    );
    expect(() => parsePageSize("1e1")).toThrow(/between 1 and 100, got 1e1/);
  });

  it("slices the result and links to the last page from past the end", () => {
    const page = paginate(5, 4, 2, "http://h/p", [["filter[a_eq]", "b c"]]);
    expect([page.start, page.end, page.lastPage]).toEqual([6, 5, 3]);
    expect(page.links).toEqual({
      self: "http://h/p?filter%5Ba_eq%5D=b+c&page%5Bnumber%5D=4&page%5Bsize%5D=2",
      first: "http://h/p?filter%5Ba_eq%5D=b+c&page%5Bnumber%5D=1&page%5Bsize%5D=2",
      prev: "http://h/p?filter%5Ba_eq%5D=b+c&page%5Bnumber%5D=3&page%5Bsize%5D=2",
      last: "http://h/p?filter%5Ba_eq%5D=b+c&page%5Bnumber%5D=3&page%5Bsize%5D=2",
    });
  });

  it("gives an empty result one page", () => {
    const page = paginate(0, 1, 20, "http://h/p", []);
    expect([page.start, page.end, page.lastPage]).toEqual([0, 0, 1]);
    expect(Object.keys(page.links)).toEqual(["self", "first", "last"]);
  });
});
