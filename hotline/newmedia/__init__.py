"""New media (公益新媒体宣传): WeChat auto-replies from the knowledge base, the content calendar,
posts reviewed before publishing, publishing to the WeChat official account and the website."""
