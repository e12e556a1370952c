package io.roomote.jobs.github;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PromptTemplateTest {

    /** The original Roomote prompt, written out by hand from its template. */
    private static final String EXPECTED = "Fix the following GitHub issue:\n"
            + "\n"
            + "Repository: village-way/Roo-Code\n"
            + "Issue #123: 修复登录页面的样式问题\n"
            + "\n"
            + "Description:\n"
            + "登录按钮在移动设备上显示不正确，需要优化响应式布局...\n"
            + "\n"
            + "Labels: bug, frontend\n"
            + "\n"
            + "Please analyze the issue, understand what needs to be fixed, and implement a solution.\n"
            + "\n"
            + "When you're finished:\n"
            + "- Create a git branch to store your work (git checkout -b fix-123)\n"
            + "- Commit your changes to this branch (git commit -m \"Fixes #123\")\n"
            + "- Push your branch to the remote repository (git push --set-upstream origin fix-123)\n"
            + "- Submit a pull request using the \"gh\" command line tool (gh pr create --title \"Fixes #123\n"
            + "\n"
            + "[Your PR description here.]\" --fill)\n"
            + "\n"
            + "Your job isn't done until you've created a pull request. Try to solve any git issues that arise while"
            + " creating your branch and submitting your pull request.";

    @Test
    void theDefaultIsTheOriginalPromptToTheCharacter() {
        String prompt = PromptTemplate.original().render("village-way/Roo-Code", 123, "修复登录页面的样式问题",
                "登录按钮在移动设备上显示不正确，需要优化响应式布局...", List.of("bug", "frontend"), "fix-123");

        assertThat(prompt).isEqualTo(EXPECTED);
    }

    @Test
    void withoutLabelsTheLabelsLineIsEmptyAndAnotherBranchIsNamedEverywhere() {
        String prompt = PromptTemplate.original().render("a/b", 5, "t", "b", List.of(), "fix-5-77");

        assertThat(prompt).contains("Description:\nb\n\n\n\nPlease analyze");
        assertThat(prompt).contains("git checkout -b fix-5-77").contains("git push --set-upstream origin fix-5-77")
                .contains("git commit -m \"Fixes #5\"");
    }

    @Test
    void placeholdersInsideTheIssueTextAreNotExpanded() {
        String prompt = PromptTemplate.original().render("a/b", 5, "${body}", "see ${repo}", null, "fix-5");

        assertThat(prompt).contains("Issue #5: ${body}").contains("see ${repo}");
    }
}
