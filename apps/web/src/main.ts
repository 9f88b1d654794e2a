import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';
import { restore } from './session';
import './style.css';

const app = createApp(App);
app.config.errorHandler = (e) => console.error(e);
// The access token lives in memory: after a reload the refresh cookie brings it back before the first route is chosen.
void restore().finally(() => app.use(router).mount('#app'));
