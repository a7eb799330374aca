"""Knowledge base (知识库): policy articles, their versions and review workflow, Chinese search and
in-call suggestions, usage statistics, import/export."""
