import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { lang, loadLanguage } from './lib/i18n/index.svelte';
import { apply as applyTheme } from './lib/theme.svelte';

document.documentElement.lang = lang();
applyTheme();
await loadLanguage(lang());
mount(App, { target: document.getElementById('app')! });
