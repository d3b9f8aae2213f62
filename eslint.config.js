// ESLint for the browser client and its tests (run by `make lint`, so by `make test`).
// Preact components in JSX with the automatic runtime; hooks' rules; accessibility.

import js from "@eslint/js";
import jsxA11y from "eslint-plugin-jsx-a11y";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";

export default [
  { ignores: ["src/parley/web/static/**", "node_modules/**", ".venv/**", "test-artifacts/**", "instance/**"] },
  js.configs.recommended,
  {
    files: ["client/src/**/*.{js,jsx}"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      parserOptions: { ecmaFeatures: { jsx: true } },
      globals: globals.browser,
    },
    plugins: { react, "react-hooks": reactHooks, "jsx-a11y": jsxA11y },
    // Preact's JSX: the automatic runtime (no `h` in scope), `class` and `for` as in HTML.
    settings: { react: { version: "18.0" } },
    rules: {
      ...react.configs.recommended.rules,
      ...react.configs["jsx-runtime"].rules,
      ...jsxA11y.configs.recommended.rules,
      // The rules of hooks; not the React Compiler's (a Preact signal is meant to be set).
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
      "react/prop-types": "off", // plain JavaScript components, no PropTypes at run time
      // HTML's spellings, which Preact takes as they are.
      "react/no-unknown-property": ["error", { ignore: ["class", "for", "autocomplete"] }],
      // It reads only React's htmlFor; every label here names its control with `for`, and
      // the browser tests run axe-core over the rendered pages, which checks the real thing.
      "jsx-a11y/label-has-associated-control": "off",
      "no-unused-vars": ["error", { argsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  {
    files: ["client/build.mjs", "client/test/**/*.{js,mjs}", "tests/js/**/*.mjs", "bench/**/*.mjs"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
];
