// What the Lambda bundles use in place of the SDK's default credential chain. Lambda gives every
// function its role's credentials in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN), where the default chain looks first and stops; its other providers (SSO,
// profiles, STS web identity, container metadata) are code no function ever runs, 90 kB of it.
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
