/**
 * Imported first by the CLI's entry point. skewless runs on Node 20 or later (package.json
 * `engines`, README "Requirements"); on Node 20 the AWS SDK warns, on the first client it builds,
 * that its releases after January 2027 will need Node 22. That notice is about the SDK's future
 * releases, not about what the user ran, so the CLI turns it off through the switch the SDK
 * documents for it (aws/aws-sdk-js-v3 issue 7983) unless the user has set that switch already.
 */
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
