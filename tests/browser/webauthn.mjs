// A virtual WebAuthn authenticator (CTAP2, user-verifying, resident keys, PRF) for
// a test page, in the engines whose driver has one:
//   chromium  Chrome DevTools Protocol WebAuthn.addVirtualAuthenticator (hasPrf)
//   firefox   W3C WebDriver "Add Virtual Authenticator" (geckodriver; extensions
//             ["prf"]; the harness turns on Firefox's software token, where it lives)
//   webkit    none: WebKitWebDriver answers "unknown command", and WebKitGTK's
//             MiniBrowser has no PublicKeyCredential at all (checked 2.50.6)
// Returns { clearCredentials() } or null where the engine has none.

export async function virtualAuthenticator(page, engine) {
  if (engine === 'chromium') {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        ctap2Version: 'ctap2_1',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        hasPrf: true,
        automaticPresenceSimulation: true,
      },
    });
    return { clearCredentials: () => cdp.send('WebAuthn.clearCredentials', { authenticatorId }) };
  }
  if (engine === 'firefox') {
    const id = await page.cmd('POST', '/webauthn/authenticator', {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserConsenting: true,
      isUserVerified: true,
      extensions: ['prf'],
    });
    return { clearCredentials: () => page.cmd('DELETE', `/webauthn/authenticator/${id}/credentials`) };
  }
  return null;
}
