import { describe, expect, it } from "vitest";
import { detectCiContext } from "../../../../src/core/audit/ci-context.js";

describe("CI context", () => {
  it("is null outside CI", () => {
    expect(detectCiContext({ PATH: "/bin", CI: "true" })).toBeNull();
  });

  it("reads GitHub Actions' documented variables and never a token", () => {
    const ctx = detectCiContext({
      GITHUB_ACTIONS: "true",
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "acme/compliance",
      GITHUB_SHA: "0123abc",
      GITHUB_REF: "refs/heads/main",
      GITHUB_RUN_ID: "77",
      GITHUB_RUN_ATTEMPT: "2",
      GITHUB_JOB: "evidence",
      GITHUB_TOKEN: "ghs_SECRETSECRET",
      ACTIONS_RUNTIME_TOKEN: "SECRET2",
    });
    expect(ctx).toEqual({
      provider: "github-actions",
      repository: "acme/compliance",
      commit: "0123abc",
      ref: "refs/heads/main",
      run_url: "https://github.com/acme/compliance/actions/runs/77/attempts/2",
      job: "evidence",
    });
    expect(JSON.stringify(ctx)).not.toMatch(/SECRET/);
  });

  it("reads GitLab CI, Buildkite and CircleCI", () => {
    expect(
      detectCiContext({
        GITLAB_CI: "true",
        CI_PROJECT_PATH: "g/r",
        CI_COMMIT_SHA: "c1",
        CI_COMMIT_REF_NAME: "main",
        CI_JOB_URL: "https://gitlab.example/g/r/-/jobs/9",
        CI_JOB_NAME: "push",
        CI_JOB_TOKEN: "SECRET",
      }),
    ).toEqual({
      provider: "gitlab-ci",
      repository: "g/r",
      commit: "c1",
      ref: "main",
      run_url: "https://gitlab.example/g/r/-/jobs/9",
      job: "push",
    });
    expect(
      detectCiContext({
        BUILDKITE: "true",
        BUILDKITE_REPO: "git@github.com:acme/r.git",
        BUILDKITE_COMMIT: "c2",
        BUILDKITE_BRANCH: "main",
        BUILDKITE_BUILD_URL: "https://buildkite.com/acme/p/builds/5",
        BUILDKITE_LABEL: ":lock: evidence",
        BUILDKITE_AGENT_ACCESS_TOKEN: "SECRET",
      }),
    ).toEqual({
      provider: "buildkite",
      repository: "git@github.com:acme/r.git",
      commit: "c2",
      ref: "main",
      run_url: "https://buildkite.com/acme/p/builds/5",
      job: ":lock: evidence",
    });
    expect(
      detectCiContext({
        CIRCLECI: "true",
        CIRCLE_PROJECT_USERNAME: "acme",
        CIRCLE_PROJECT_REPONAME: "r",
        CIRCLE_SHA1: "c3",
        CIRCLE_BRANCH: "main",
        CIRCLE_BUILD_URL: "https://circleci.com/gh/acme/r/12",
        CIRCLE_JOB: "evidence",
      }),
    ).toEqual({
      provider: "circleci",
      repository: "acme/r",
      commit: "c3",
      ref: "main",
      run_url: "https://circleci.com/gh/acme/r/12",
      job: "evidence",
    });
  });

  it("strips credentials and queries from Jenkins URLs, and control characters from values", () => {
    const ctx = detectCiContext({
      JENKINS_URL: "https://jenkins.example/",
      GIT_URL: "https://deploy:SECRETTOKEN@git.example/acme/r.git",
      GIT_COMMIT: "c4\u001b[31m",
      GIT_BRANCH: "origin/main",
      BUILD_URL: "https://jenkins.example/job/evidence/3/?token=SECRET",
      JOB_NAME: "evidence",
    });
    expect(ctx).toEqual({
      provider: "jenkins",
      repository: "https://git.example/acme/r.git",
      commit: "c4[31m",
      ref: "origin/main",
      run_url: "https://jenkins.example/job/evidence/3/",
      job: "evidence",
    });
  });
});
