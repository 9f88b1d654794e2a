import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';
import { restore } from './session';
import './style.css';

restore();
const app = createApp(App);
app.config.errorHandler = (e) => console.error(e);
app.use(router).mount('#app');
